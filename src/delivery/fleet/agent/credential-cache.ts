/**
 * One instance's credentials for one delivery version, held by the agent ahead of need and through
 * server outages (static stability):
 *
 * - fetched at start and again once half of the current set's remaining life has passed, so a
 *   workload never waits on the server;
 * - a failed fetch is retried with backoff (1 s doubling to 30 s) while the current set keeps
 *   being served;
 * - past its expiry the last set is still served, as EC2's metadata service does during an outage:
 *   the SDKs then extend it briefly and retry (botocore and the JS SDK's IMDS static stability,
 *   AWS SDKs and Tools Reference Guide, IMDS credential provider) instead of failing to find any
 *   credentials, and the server refuses requests signed with it as expired until the agent can
 *   fetch again.
 */
import type { NodeCredentials } from '../node-workloads.js';

export interface CredentialCacheOptions {
  fetch: () => Promise<NodeCredentials>;
  now?: () => number;
  onError?: (error: unknown) => void;
  /** A set held from before (the agent's saved state): served at once, refreshed when due. */
  initial?: NodeCredentials;
  /** Each set fetched (to save it). */
  onFetched?: (credentials: NodeCredentials) => void;
  /** Backoff bounds for failed fetches. */
  minRetryMs?: number;
  maxRetryMs?: number;
}

/** How long an `AssumeRoleUnauthorizedAccess` answer is kept before asking again. */
const UNAUTHORIZED_RECHECK_MS = 60_000;

export class CredentialCache {
  private current: NodeCredentials | undefined;
  private inFlight: Promise<NodeCredentials> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryMs: number;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly options: CredentialCacheOptions) {
    this.now = options.now ?? Date.now;
    this.retryMs = options.minRetryMs ?? 1000;
  }

  /** Fetch now (or when a held set is due) and keep fetching ahead of need. */
  start(): void {
    const held = this.options.initial;
    if (held !== undefined) {
      this.current = held;
      this.schedule(held.code === 'Success' ? this.nextRefreshIn(held, Date.parse(held.issuedAt)) : 0);
      return;
    }
    void this.refresh().catch(() => undefined);
  }

  /** The set to serve: the cached one if any (even expired; see above), else one fetched now. */
  async get(): Promise<NodeCredentials> {
    if (this.current !== undefined) return this.current;
    return this.refresh();
  }

  /** The instance's role or placement changed: fetch afresh, serving the old set meanwhile. */
  invalidate(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private refresh(): Promise<NodeCredentials> {
    this.inFlight ??= this.options
      .fetch()
      .then((fetched) => {
        this.current = fetched;
        this.options.onFetched?.(fetched);
        this.retryMs = this.options.minRetryMs ?? 1000;
        this.schedule(this.nextRefreshIn(fetched));
        return fetched;
      })
      .catch((error: unknown) => {
        this.options.onError?.(error);
        this.schedule(this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, this.options.maxRetryMs ?? 30_000);
        throw error;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  /** Half the remaining life as of `from` (the fetch), counted from now; 1 s at least. */
  private nextRefreshIn(c: NodeCredentials, from = this.now()): number {
    if (c.code !== 'Success') return UNAUTHORIZED_RECHECK_MS;
    const half = (Date.parse(c.expiration) - from) / 2;
    return Math.max(1000, from + half - this.now());
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh().catch(() => undefined), ms);
    this.timer.unref();
  }
}
