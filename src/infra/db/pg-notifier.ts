import pg from 'pg';
import type { Logger } from '../../logger.js';
import { backoffDelay, type BackoffPolicy } from '../../shared/backoff.js';

export type NotificationHandler = (payload: string) => void;

export interface PgNotifierOptions {
  connectionString: string;
  logger: Logger;
  reconnect?: BackoffPolicy;
}

// Channel names go into LISTEN verbatim (it takes no parameters), so only plain identifiers pass.
const CHANNEL = /^[a-z_][a-z0-9_]*$/;

/**
 * One LISTEN connection per process, shared by every subscriber. Pooled connections cannot LISTEN
 * (the pool hands them to other work), so this keeps a dedicated client and replaces it with
 * backoff when it breaks. Notifications sent while it was down are lost; `onConnected` fires after
 * every (re)connect so subscribers can re-read whatever they were waiting for.
 */
export class PgNotifier {
  private readonly handlers = new Map<string, Set<NotificationHandler>>();
  private readonly connectedHandlers = new Set<() => void>();
  private readonly logger: Logger;
  private readonly reconnectPolicy: BackoffPolicy;
  /** The client being connected or in use; events from any other (stale) client are ignored. */
  private current: pg.Client | null = null;
  private readonly listening = new Set<string>();
  private ready = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private closed = false;

  constructor(private readonly options: PgNotifierOptions) {
    this.logger = options.logger.child({ component: 'pg-notifier' });
    this.reconnectPolicy = options.reconnect ?? { baseMs: 100, maxMs: 10_000 };
  }

  /** Connects and listens; when PostgreSQL is unreachable it keeps retrying in the background. */
  async start(): Promise<void> {
    await this.connect();
  }

  get connected(): boolean {
    return this.ready;
  }

  subscribe(channel: string, handler: NotificationHandler): () => void {
    if (!CHANNEL.test(channel)) throw new Error(`invalid channel name: ${channel}`);
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      if (this.ready && this.current) void this.listenAll(this.current);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  onConnected(handler: () => void): () => void {
    this.connectedHandlers.add(handler);
    return () => {
      this.connectedHandlers.delete(handler);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const client = this.current;
    this.current = null;
    this.ready = false;
    if (client) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.options.connectionString, keepAlive: true });
    this.current = client;
    this.listening.clear();
    client.on('error', (error) => this.fail(error, client));
    client.on('end', () => this.fail(new Error('LISTEN connection ended'), client));
    client.on('notification', (message) => {
      if (client === this.current) this.dispatch(message.channel, message.payload ?? '');
    });
    try {
      await client.connect();
      await this.listenAll(client);
    } catch (error) {
      this.fail(error, client);
      return;
    }
    if (client !== this.current) return;
    this.ready = true;
    // A subscriber may have arrived while we were connecting.
    await this.listenAll(client);
    if (this.failures > 0) this.logger.info({ afterFailures: this.failures }, 'LISTEN connection restored');
    this.failures = 0;
    for (const handler of this.connectedHandlers) handler();
  }

  private async listenAll(client: pg.Client): Promise<void> {
    try {
      for (const channel of [...this.handlers.keys()]) {
        if (this.listening.has(channel)) continue;
        this.listening.add(channel);
        await client.query(`LISTEN ${channel}`);
      }
    } catch (error) {
      this.fail(error, client);
    }
  }

  private dispatch(channel: string, payload: string): void {
    for (const handler of this.handlers.get(channel) ?? []) {
      try {
        handler(payload);
      } catch (error) {
        this.logger.error({ err: error, channel }, 'notification handler failed');
      }
    }
  }

  /** Drops the broken client and schedules a reconnect; later errors of that client are ignored. */
  private fail(error: unknown, client: pg.Client): void {
    if (client !== this.current || this.closed) return;
    this.current = null;
    this.ready = false;
    client.end().catch(() => undefined);
    this.failures += 1;
    const delay = backoffDelay(this.failures, this.reconnectPolicy);
    this.logger.warn({ err: error, attempt: this.failures, delayMs: delay }, 'LISTEN connection lost; reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }
}
