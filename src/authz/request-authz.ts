import DataLoader from 'dataloader';
import type { ObjectRef, SubjectRef } from '../infra/spicedb/relationships.js';
import type { SpiceDb } from '../infra/spicedb/spicedb.js';
import type { AnswerCache, AnswerGeneration } from './answer-cache.js';
import type { Concealment } from './concealment.js';
import type { Permission } from './permissions.js';

interface CheckKey {
  resource: ObjectRef;
  /** The tenant the resource lives in: answers are kept per tenant (answer-cache.ts). Not part of the key: an id names one resource. */
  tenantId: string;
  permission: Permission;
}

// SpiceDB caps the items of one bulk request; larger batches are split.
const MAX_BULK_ITEMS = 1000;

const keyOf = (k: CheckKey): string => `${k.resource.type}:${k.resource.id}#${k.permission}`;

export interface RequestAuthzDeps {
  spicedb: SpiceDb;
  subject: SubjectRef;
  /** The token every check must be at least as fresh as (read once per request, again after a write). */
  generation: () => Promise<AnswerGeneration | null>;
  /** Answers shared across requests, per tenant of the resource (answer-cache.ts). */
  answers: AnswerCache;
  /** Shared by every request of the process: NOT_FOUND answers must not tell missing from hidden. */
  concealment: Concealment;
}

/**
 * One per request, behind the request's PermissionDoor (permission-door.ts), which is the only
 * thing that asks it. Every `can()` made in the same tick becomes one CheckBulkPermissions call, so a
 * query walking d levels of the tree costs O(d) SpiceDB calls at most; questions asked before at
 * a token the answer still holds at, by any request, cost none (answer-cache.ts).
 */
export class RequestAuthz {
  readonly subject: SubjectRef;
  private readonly checks: DataLoader<CheckKey, boolean, string>;
  private readonly subjectKey: string;
  /** Workspaces viewable by inheritance from a viewable parent (a Set: cheaper than a primed answer each). */
  private readonly inheritedView = new Set<string>();
  /**
   * Answers SpiceDB gave this request, by check key: what `known` tells the tenant-admin shortcut even
   * when the shared answer cache has none (it is off, or full). Without it a tenant admin's first walk
   * after a write asked `view` of every level again although `administrate` had settled it.
   */
  private readonly settled = new Map<string, boolean>();

  constructor(private readonly deps: RequestAuthzDeps) {
    this.subject = deps.subject;
    this.subjectKey = `${deps.subject.type}:${deps.subject.id}${deps.subject.relation ? `#${deps.subject.relation}` : ''}`;
    this.checks = new DataLoader((keys) => this.checkBatch(keys), {
      cacheKeyFn: keyOf,
      batchScheduleFn: (run) => setImmediate(run),
    });
  }

  /** After this request's own write: answers given before it may no longer hold. */
  forgetAnswers(): void {
    this.checks.clearAll();
    this.inheritedView.clear();
    this.settled.clear();
  }

  /** Records an answer known without asking, e.g. visibility inherited from a viewable parent. */
  prime(resource: ObjectRef, tenantId: string, permission: Permission, allowed: boolean): void {
    this.checks.prime({ resource, tenantId, permission }, allowed);
  }

  /** A lookup that began at `startedAt` (performance.now()) found the resource hidden from the caller. */
  noteHidden(startedAt: number): void {
    this.deps.concealment.recordHidden(performance.now() - startedAt);
  }

  /** A lookup that began at `startedAt` found no resource: wait as long as a hidden one takes. */
  concealMissing(startedAt: number): Promise<void> {
    return this.deps.concealment.padMissing(startedAt);
  }

  /** Workspaces the caller views because they view a parent of theirs (schema.zed: view = … + parent->view). */
  inheritView(workspaceIds: Iterable<string>): void {
    for (const id of workspaceIds) this.inheritedView.add(id);
  }

  /** Whether the subject holds `permission` on `resource`, a resource of tenant `tenantId`. */
  can(resource: ObjectRef, tenantId: string, permission: Permission): Promise<boolean> {
    if (permission === 'view' && resource.type === 'workspace' && this.inheritedView.has(resource.id)) return Promise.resolve(true);
    return this.checks.load({ resource, tenantId, permission });
  }

  /** Whether `workspaceId` is viewable by inheritance, recorded this request. */
  inherits(workspaceId: string): boolean {
    return this.inheritedView.has(workspaceId);
  }

  /** Resolves once the request's token is known (read once per request, again after a write). */
  async settle(): Promise<void> {
    await this.generation();
  }

  /** The answer shared across requests at this request's token, if any request asked it: no SpiceDB call. */
  async known(resource: ObjectRef, tenantId: string, permission: Permission): Promise<boolean | undefined> {
    const key = { resource, tenantId, permission };
    return this.settled.get(keyOf(key)) ?? this.deps.answers.get(await this.generation(), tenantId, this.cacheKey(key));
  }

  private cacheKey(k: CheckKey): string {
    return `${this.subjectKey}|${keyOf(k)}`;
  }

  /** The request's token, the shared cache brought up to it first (at most one statement, shared; none when nothing was applied). */
  private async generation(): Promise<AnswerGeneration | null> {
    const generation = await this.deps.generation();
    await this.deps.answers.sync(generation);
    return generation;
  }

  private async checkBatch(keys: readonly CheckKey[]): Promise<boolean[]> {
    const generation = await this.generation();
    const cacheKeys = keys.map((k) => this.cacheKey(k));
    const answers = keys.map((k, i) => this.deps.answers.get(generation, k.tenantId, cacheKeys[i] ?? ''));
    const missing = answers.flatMap((answer, i) => (answer === undefined ? [i] : []));
    for (let start = 0; start < missing.length; start += MAX_BULK_ITEMS) {
      const chunk = missing.slice(start, start + MAX_BULK_ITEMS);
      const items = chunk.map((i) => {
        const { resource, permission } = keys[i] as CheckKey;
        return { resource, permission, subject: this.subject };
      });
      const results = await this.deps.spicedb.checkBulk(items, generation?.zedToken ?? null);
      chunk.forEach((i, j) => {
        const allowed = results[j] ?? false;
        answers[i] = allowed;
        this.settled.set(keyOf(keys[i] as CheckKey), allowed);
        this.deps.answers.set(generation, keys[i]?.tenantId ?? '', cacheKeys[i] ?? '', allowed);
      });
    }
    return answers.map((a) => a ?? false);
  }
}
