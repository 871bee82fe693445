import type { ChangedTenants } from '../outbox/outbox.repository.js';

/** The freshness a set of answers belongs to: the token every check was at least as fresh as. */
export interface AnswerGeneration {
  zedToken: string;
  /** authz_state.applied_seq read with it; orders generations (tokens are opaque). */
  appliedSeq: string;
  /** authz_state.outside_writes read with them: SpiceDB writes that left no outbox row (reconcile, rebuild). */
  outsideWrites: string;
  /**
   * Issue 20: the next upcoming grant expiry read with them (epoch ms as text, null: none). An
   * answer may stop being true at that instant with no new token, so a passed expiry drops everything.
   */
  nextExpiry?: string | null;
}

/** What the outbox says changed after `after` up to `upTo` (outbox.repository.ts, tenantsChangedBetween). */
export type ChangesBetween = (after: string, upTo: string) => Promise<ChangedTenants>;

// Past this many events, asking which tenants they touched costs more than the answers are worth.
const MAX_LEARNED_RANGE = 10_000n;

interface Generation {
  zedToken: string;
  seq: bigint;
  outsideWrites: bigint;
  /** Epoch ms of the next grant expiry; null: none ahead. */
  nextExpiry: bigint | null;
}

/** Whether `g` read its next expiry after the one `known` read had passed (a later one, or none left). */
function expiryPassed(known: Generation, g: Generation): boolean {
  return known.nextExpiry !== null && (g.nextExpiry === null || g.nextExpiry > known.nextExpiry);
}

/**
 * Permission answers shared by every request of the process, grouped by the tenant of the
 * resource they are about, each tenant's kept across events applied in other tenants.
 *
 * Why an answer may outlive its token. SpiceDB answered a request at applied_seq s0 from some
 * snapshot R at least as fresh as T(s0). A later request at s (token T(s), s0 <= s) may be served
 * anything a check at_least_as_fresh(T(s)) could answer. If R is after T(s), the answer is one such
 * check. If not, SpiceDB changed between T(s0) and T(s) only by the events in (s0, s] (the relay is
 * its only writer; reconcile and rebuild count `outside_writes`, and a new count drops everything),
 * and none of them belongs to the answer's tenant (else its answers were dropped and this request
 * could not have kept it, `changedAt`). A check about a resource of tenant X reads only relationships
 * whose resource belongs to X: schema.zed links tenant-scoped types to their own tenant's objects and
 * to users as terminal subjects only (tests/unit/schema-tenancy.test.ts), and the services write only
 * same-tenant links (a group granted on a workspace is of its tenant, workspace-member.service.ts; a
 * parent is of the same tenant, workspaces_parent_fkey); every event carries the tenant of the
 * relationships it writes, and one without a tenant drops everything. So R and T(s) agree on every
 * relationship the check reads, and the answer is the one a check at T(s) gives.
 *
 * How it learns. `known` is the newest generation the cache has accounted for. A request at a newer
 * applied_seq asks the outbox once which tenants had events in (known, new] (one statement, shared
 * by every request waiting for it), drops those tenants' answers and keeps the rest; anything it
 * cannot tell (an event without a tenant, rows purged from the range, a failed statement, a range
 * too long, a different token at the same seq) drops everything. A request at the known seq costs
 * no statement.
 *
 * Expiring grants (issue 20) end with no event: each generation carries the next expiry ahead, by
 * the database's clock. An answer is kept only for requests that read the same next expiry; the
 * first request that reads a later one (the earlier has passed) drops everything, as an expiry may
 * have changed any tenant's answers. An earlier next expiry comes only with a write (an event), or
 * from a request that read before the drop (which keeps nothing).
 *
 * Never used without a token (fully_consistent). Bounded: the oldest answers go first once
 * `maxEntries` is reached.
 */
export class AnswerCache {
  private known: Generation | null = null;
  /** Everything was dropped at this seq: answers from requests before it are not kept. */
  private floor = 0n;
  /** Per tenant, the seq of its last event known: answers from requests before it are not kept. */
  private readonly changedAt = new Map<string, bigint>();
  /** In insertion order, so the first is the oldest. */
  private readonly answers = new Map<string, { tenantId: string; allowed: boolean }>();
  private readonly byTenant = new Map<string, Set<string>>();
  private flight: { target: bigint; done: Promise<void> } | null = null;
  /** Statements asked of the outbox so far (tests assert it). */
  learned = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly changes: ChangesBetween,
  ) {}

  get size(): number {
    return this.answers.size;
  }

  /**
   * Accounts for `generation` before its request reads or stores answers: no statement when the
   * cache knows its applied_seq already, at most one (shared) otherwise.
   */
  async sync(generation: AnswerGeneration | null): Promise<void> {
    if (!generation || this.maxEntries === 0) return;
    const g = parse(generation);
    const known = this.known;
    if (!known || g.outsideWrites > known.outsideWrites) return this.reset(g);
    if (g.outsideWrites < known.outsideWrites) return;
    if (g.seq === known.seq && g.zedToken !== known.zedToken) return this.reset(g);
    if (g.seq > known.seq) return this.advance(g);
    if (g.seq === known.seq && expiryPassed(known, g)) this.reset(g);
  }

  /** The answer about a resource of `tenantId`, if one is kept that holds at `generation`. */
  get(generation: AnswerGeneration | null, tenantId: string, key: string): boolean | undefined {
    if (!generation || !this.holds(parse(generation), tenantId)) return undefined;
    return this.answers.get(key)?.allowed;
  }

  set(generation: AnswerGeneration | null, tenantId: string, key: string, allowed: boolean): void {
    if (!generation || this.maxEntries === 0) return;
    // A request that read an older token than the tenant's last event, finishing late, keeps nothing.
    if (!this.holds(parse(generation), tenantId)) return;
    if (this.answers.size >= this.maxEntries && !this.answers.has(key)) {
      const oldest = this.answers.entries().next();
      if (!oldest.done) this.forget(oldest.value[0], oldest.value[1].tenantId);
    }
    this.answers.set(key, { tenantId, allowed });
    let keys = this.byTenant.get(tenantId);
    if (!keys) this.byTenant.set(tenantId, (keys = new Set()));
    keys.add(key);
  }

  /** Whether answers about `tenantId` kept now hold for a request at `g` (see the class comment). */
  private holds(g: Generation, tenantId: string): boolean {
    const known = this.known;
    if (!known || g.outsideWrites !== known.outsideWrites || g.seq > known.seq || g.seq < this.floor) return false;
    if (g.seq === known.seq && g.zedToken !== known.zedToken) return false;
    if (g.nextExpiry !== known.nextExpiry) return false;
    return g.seq >= (this.changedAt.get(tenantId) ?? 0n);
  }

  /** One statement at a time; requests up to a seq already asked for wait for that one. */
  private advance(g: Generation): Promise<void> {
    if (this.flight && this.flight.target >= g.seq) return this.flight.done;
    const previous = this.flight?.done ?? Promise.resolve();
    const flight = { target: g.seq, done: previous.then(() => this.learn(g)) };
    this.flight = flight;
    void flight.done.finally(() => {
      if (this.flight === flight) this.flight = null;
    });
    return flight.done;
  }

  private async learn(g: Generation): Promise<void> {
    const known = this.known;
    if (!known || known.outsideWrites !== g.outsideWrites || known.seq >= g.seq) return;
    if (g.seq - known.seq > MAX_LEARNED_RANGE) return this.reset(g);
    let changed: ChangedTenants;
    this.learned += 1;
    try {
      changed = await this.changes(known.seq.toString(), g.seq.toString());
    } catch {
      // Not knowing what changed is treated as everything having changed; the request goes on to SpiceDB.
      changed = { tenants: new Map(), anything: true };
    }
    if (this.known !== known) {
      // Dropped meanwhile (a different token at the same seq, new outside writes): start over from g if still newer.
      if (this.known && this.known.outsideWrites === g.outsideWrites && this.known.seq < g.seq) this.reset(g);
      return;
    }
    if (changed.anything || expiryPassed(known, g) || this.changedAt.size + changed.tenants.size > this.maxEntries) return this.reset(g);
    for (const [tenantId, lastSeq] of changed.tenants) {
      for (const key of this.byTenant.get(tenantId) ?? []) this.answers.delete(key);
      this.byTenant.delete(tenantId);
      this.changedAt.set(tenantId, BigInt(lastSeq));
    }
    this.known = g;
  }

  private reset(g: Generation): void {
    this.answers.clear();
    this.byTenant.clear();
    this.changedAt.clear();
    this.floor = g.seq;
    this.known = g;
  }

  private forget(key: string, tenantId: string): void {
    this.answers.delete(key);
    this.byTenant.get(tenantId)?.delete(key);
  }
}

function parse(generation: AnswerGeneration): Generation {
  return { zedToken: generation.zedToken, seq: BigInt(generation.appliedSeq), outsideWrites: BigInt(generation.outsideWrites), nextExpiry: generation.nextExpiry ? BigInt(generation.nextExpiry) : null };
}
