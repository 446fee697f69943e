/**
 * One dedicated PostgreSQL session, outside the pool, that stays open: it reconnects with
 * backoff whenever the server closes it (a restart, `pg_terminate_backend`, a network failure)
 * and runs `setUp` on each new connection. LISTEN and session-level advisory locks belong to a
 * session, not to a pooled connection that another query may borrow, hence one of their own.
 * An error on it never reaches the process: it only ends the session, which is then reopened.
 */
import pg from 'pg';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';

export interface SessionOptions {
  url: string;
  /** The `search_path` schema (a checked identifier, see `postgres.ts`). */
  schema: string;
  applicationName: string;
  /** Runs on each new connection before it counts as up; a failure closes it and retries. */
  setUp: (client: pg.Client) => Promise<void>;
  /** Told when an up session is lost. */
  onLost?: () => void;
  /** Told of each failure (connection refused, session closed), for the log. */
  onError?: (error: Error) => void;
  backoff?: BackoffPolicy;
  /** How long a connection attempt may take; 5000 ms by default. */
  connectTimeoutMs?: number;
}

export class ReconnectingSession {
  private current: pg.Client | undefined;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private connecting: Promise<void> | undefined;

  constructor(private readonly options: SessionOptions) {}

  /** The connected, set-up client, or `undefined` while there is none. */
  get client(): pg.Client | undefined {
    return this.current;
  }

  /** Starts connecting; resolves after the first attempt, whether it succeeded or not. */
  start(): Promise<void> {
    this.connecting ??= this.connect();
    return this.connecting;
  }

  /** Ends the session for good. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.connecting?.catch(() => undefined);
    const client = this.current;
    this.current = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Drops the session as lost (e.g. a query on it timed out) and reconnects. */
  drop(client: pg.Client, error: Error): void {
    if (this.current !== client) return;
    this.current = undefined;
    this.options.onError?.(error);
    client.end().catch(() => undefined);
    this.options.onLost?.();
    this.retry();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.options.url,
      options: `-c search_path=${this.options.schema}`,
      application_name: this.options.applicationName,
      keepAlive: true,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5000,
      // A query on a half-open connection would wait for TCP to give up; this fails it first.
      query_timeout: this.options.connectTimeoutMs ?? 5000,
    });
    // Without these listeners a closed session would be an unhandled 'error' event: the process dies.
    client.on('error', (error) => this.drop(client, error));
    client.on('end', () => this.drop(client, new Error('the session ended')));
    try {
      await client.connect();
      await this.options.setUp(client);
    } catch (error) {
      client.removeAllListeners('end');
      client.end().catch(() => undefined);
      this.options.onError?.(error as Error);
      this.retry();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.attempt = 0;
    this.current = client;
  }

  private retry(): void {
    if (this.closed || this.timer !== undefined) return;
    const delay = backoffDelay(this.attempt++, this.options.backoff ?? DEFAULT_BACKOFF);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.connecting = this.connect();
    }, delay);
    this.timer.unref();
  }
}
