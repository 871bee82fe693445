import pg from 'pg';
import { ADVISORY_LOCKS } from '../infra/db/advisory-locks.js';


/** The relay's connection is gone or was never the leader's: stop relaying. */
export class LeadershipLostError extends Error {
  override name = 'LeadershipLostError';
}

/**
 * Leadership of the outbox relay: a session-level advisory lock on one dedicated connection, which
 * also carries every query the relay makes.
 *
 * Why this fences well enough: the lock lives exactly as long as the session. When the connection
 * dies (process killed, pg_terminate_backend, network), PostgreSQL frees the lock and a follower
 * takes it, while the old leader can no longer mark anything applied — its queries fail, and it
 * stops on the first failure. Marking is conditional (`status = 'pending'`), so even a confused
 * old leader cannot overwrite the new leader's bookkeeping.
 *
 * What remains: the SpiceDB write itself is not fenced. An old leader that has not yet noticed its
 * session is gone may have at most one WriteRelationships in flight (it checks the connection
 * before every write and must mark each event before the next one), bounded by the gRPC deadline.
 * If the new leader re-applies that event and then a later event touching the same relationship
 * before that stale write lands, the stale write could win for that relationship. This needs a
 * partition in which PostgreSQL drops the session within one SpiceDB call; closing it completely
 * would take a SpiceDB-side fence (a lease relationship checked with WriteRelationships
 * preconditions), and the drift repair over rebuild.ts would repair it.
 */
export class RelayLeadership {
  private client: pg.Client | null = null;
  private leader = false;
  private broken = false;
  private pid: number | null = null;

  constructor(
    private readonly connectionString: string,
    private readonly lockKey: number = ADVISORY_LOCKS.outboxRelay,
    /** Called when the driver sees the session fail, so an idle relay notices at once. */
    private readonly onBroken: () => void = () => undefined,
  ) {}

  get isLeader(): boolean {
    return this.leader && !this.broken;
  }

  /** The PostgreSQL backend that holds our session; for operators and tests. */
  get backendPid(): number | null {
    return this.pid;
  }

  /** One attempt. Followers keep their connection open between attempts instead of reconnecting. */
  async tryAcquire(): Promise<boolean> {
    if (this.isLeader) return true;
    if (this.leader || this.broken || !this.client) await this.reconnect();
    const client = this.client;
    if (!client) return false;
    const result = await client.query<{ acquired: boolean }>('SELECT pg_try_advisory_lock($1) AS acquired', [this.lockKey]);
    this.leader = result.rows[0]?.acquired === true;
    return this.leader;
  }

  /** Runs a query on the leader's session; throws LeadershipLostError when that session is gone. */
  async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    const client = this.client;
    if (!this.isLeader || !client) throw new LeadershipLostError('not the outbox relay leader');
    try {
      return await client.query<R>(text, values);
    } catch (error) {
      if (this.broken) throw new LeadershipLostError('outbox relay connection lost', { cause: error });
      throw error;
    }
  }

  /** Cheap, local: false as soon as the driver has seen the session fail. */
  assertLeader(): void {
    if (!this.isLeader) throw new LeadershipLostError('outbox relay connection lost');
  }

  /** Gives up leadership (unlock if the session still lives) and closes the connection. */
  async release(): Promise<void> {
    const client = this.client;
    this.client = null;
    const wasLeader = this.isLeader;
    this.leader = false;
    this.pid = null;
    if (!client) return;
    if (wasLeader) await client.query('SELECT pg_advisory_unlock($1)', [this.lockKey]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }

  private async reconnect(): Promise<void> {
    await this.release();
    this.broken = false;
    const client = new pg.Client({
      connectionString: this.connectionString,
      keepAlive: true,
      // A query that hangs (network partition) must fail so the relay stops instead of waiting forever.
      query_timeout: 30_000,
      application_name: 'iam-outbox-relay',
    });
    const markBroken = (): void => {
      if (this.client !== client || this.broken) return;
      this.broken = true;
      this.onBroken();
    };
    client.on('error', markBroken);
    client.on('end', markBroken);
    this.client = client;
    try {
      await client.connect();
      const result = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      this.pid = result.rows[0]?.pid ?? null;
    } catch (error) {
      this.client = null;
      await client.end().catch(() => undefined);
      throw error;
    }
  }
}
