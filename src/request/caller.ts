import type { Principal } from '../auth/principal.js';
import type { AnswerCache } from '../authz/answer-cache.js';
import type { Concealment } from '../authz/concealment.js';
import { PermissionDoor } from '../authz/permission-door.js';
import { RequestAuthz } from '../authz/request-authz.js';
import type { UserActor } from '../events/actor.js';
import type { Db } from '../infra/db/database.js';
import type { SpiceDb } from '../infra/spicedb/spicedb.js';
import type { RequestFreshness } from './request-freshness.js';
import type { RowBudget } from './row-budget.js';

/** Per-request state a feature keeps for a caller, e.g. its DataLoaders; built on first use. */
export type CallerState<T> = (caller: Caller) => T;

/**
 * The authenticated caller of one request, as services see it: who they are (the principal, and
 * the actor their changes are recorded with), their permission checks (one door), where their
 * reads go, and the per-request caches (loaders, answers) built for them. The unit of work calls
 * `wrote()` after committing for them, so nothing cached before a change is served after it: a
 * mutation cannot forget to refresh.
 */
export class Caller {
  readonly permissions: PermissionDoor;
  readonly actor: UserActor;
  private readonly states = new Map<CallerState<unknown>, unknown>();

  constructor(
    readonly principal: Principal,
    private readonly freshness: RequestFreshness,
    spicedb: SpiceDb,
    shared: { concealment: Concealment; answers: AnswerCache },
    /** Rows this request may still load. */
    readonly budget: RowBudget,
    requestId: string | null = null,
  ) {
    const authz = new RequestAuthz({
      spicedb,
      subject: { type: 'user', id: principal.userId },
      generation: () => freshness.generation(),
      answers: shared.answers,
      concealment: shared.concealment,
    });
    this.permissions = new PermissionDoor(authz, principal);
    this.actor = {
      via: principal.via === 'api_key' ? 'api_key' : 'oidc',
      userId: principal.userId,
      username: principal.username,
      apiKeyId: principal.apiKeyId ?? null,
      requestId,
    };
  }

  /** The database for this request's reads: the replica when it has caught up, else the primary. */
  reads(): Promise<Db> {
    return this.freshness.reads();
  }

  /** The request's instance of a feature's per-request state. */
  state<T>(create: CallerState<T>): T {
    let value = this.states.get(create) as T | undefined;
    if (value === undefined) {
      value = create(this);
      this.states.set(create, value);
    }
    return value;
  }

  /** This request committed a change: later fields must see it, so drop what was cached before. */
  wrote(): void {
    this.freshness.wrote();
    this.permissions.forgetAnswers();
    this.states.clear();
  }
}
