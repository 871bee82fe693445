import DataLoader from 'dataloader';
import type { ObjectRef, SubjectRef } from '../infra/spicedb/relationships.js';
import type { SpiceDb } from '../infra/spicedb/spicedb.js';
import type { Concealment } from './concealment.js';

export type Permission = 'view' | 'edit' | 'manage' | 'create_child' | 'administrate' | 'create_api_key' | 'create_group' | 'revoke';

interface CheckKey {
  resource: ObjectRef;
  permission: Permission;
}

// SpiceDB caps the items of one bulk request; larger batches are split.
const MAX_BULK_ITEMS = 1000;

/**
 * One per request. Every `can()` made in the same tick becomes one CheckBulkPermissions call,
 * so a query walking d levels of the tree costs O(d) SpiceDB calls. Answers are cached for the
 * request; the freshness token comes from the request's RequestFreshness.
 */
export class RequestAuthz {
  private readonly checks: DataLoader<CheckKey, boolean, string>;

  constructor(
    private readonly spicedb: SpiceDb,
    readonly subject: SubjectRef,
    /** The token every check must be at least as fresh as (read once per request, again after a write). */
    private readonly token: () => Promise<string | null>,
    /** Shared by every request of the process: NOT_FOUND answers must not tell missing from hidden. */
    private readonly concealment: Concealment,
  ) {
    this.checks = new DataLoader((keys) => this.checkBatch(keys), {
      cacheKeyFn: (k) => `${k.resource.type}:${k.resource.id}#${k.permission}`,
      batchScheduleFn: (run) => setImmediate(run),
    });
  }

  /** After this request's own write: answers given before it may no longer hold. */
  forgetAnswers(): void {
    this.checks.clearAll();
  }

  /** Records an answer known without asking, e.g. visibility inherited from a viewable parent. */
  prime(resource: ObjectRef, permission: Permission, allowed: boolean): void {
    this.checks.prime({ resource, permission }, allowed);
  }

  /** A lookup that began at `startedAt` (performance.now()) found the resource hidden from the caller. */
  noteHidden(startedAt: number): void {
    this.concealment.recordHidden(performance.now() - startedAt);
  }

  /** A lookup that began at `startedAt` found no resource: wait as long as a hidden one takes. */
  concealMissing(startedAt: number): Promise<void> {
    return this.concealment.padMissing(startedAt);
  }

  can(resource: ObjectRef, permission: Permission): Promise<boolean> {
    return this.checks.load({ resource, permission });
  }

  async lookup(resourceType: string, permission: Permission): Promise<Set<string>> {
    const ids = await this.spicedb.lookupResources(resourceType, permission, this.subject, await this.token());
    return new Set(ids);
  }

  private async checkBatch(keys: readonly CheckKey[]): Promise<boolean[]> {
    const token = await this.token();
    const results: boolean[] = [];
    for (let i = 0; i < keys.length; i += MAX_BULK_ITEMS) {
      const chunk = keys.slice(i, i + MAX_BULK_ITEMS).map((k) => ({ ...k, subject: this.subject }));
      results.push(...(await this.spicedb.checkBulk(chunk, token)));
    }
    return results;
  }
}
