/**
 * A memoized, single-flight, refresh-ahead credential source: the one piece every delivery channel
 * (IMDS, container endpoint, Pod Identity, Lambda) uses to hold a workload's current credentials.
 *
 * - Memoized: callers get the cached credentials while they are fresh.
 * - Single-flight: concurrent callers during a refresh share one issuance.
 * - Refresh-ahead: credentials are replaced once less than `refreshBeforeSeconds` of their life is
 *   left (the SDKs refresh 5–15 minutes before expiry — botocore 15, JS and Go 5 — so a channel
 *   must hand out credentials with well over that left).
 * - Stale-while-failing: if a refresh fails while the old credentials are still valid, the old
 *   ones are served (agents survive a control-plane outage until expiry, as SPIRE's do).
 */
export interface ExpiringCredentials {
  expiration: Date;
}

/**
 * How long a channel's credentials live and when they are replaced: credplane's knob for watching
 * rotation without a clock shim (`credplane up` reads it from `CREDPLANE_<CHANNEL>_CREDENTIAL_SECONDS`
 * and `CREDPLANE_<CHANNEL>_REFRESH_BEFORE_SECONDS`). Absent fields keep each channel's default.
 */
export interface CredentialLifetime {
  /** Lifetime of issued credentials. */
  credentialSeconds?: number;
  /** Replace credentials once fewer than this many seconds remain. */
  refreshBeforeSeconds?: number;
}

/** The source options and issue request fields a lifetime sets. */
export function lifetimeOptions(lifetime: CredentialLifetime | undefined): {
  durationSeconds?: number;
  refreshBeforeSeconds?: number;
} {
  return {
    ...(lifetime?.credentialSeconds === undefined ? {} : { durationSeconds: lifetime.credentialSeconds }),
    ...(lifetime?.refreshBeforeSeconds === undefined
      ? {}
      : { refreshBeforeSeconds: lifetime.refreshBeforeSeconds }),
  };
}

export interface RefreshingSourceOptions<T extends ExpiringCredentials> {
  issue: () => Promise<T>;
  /** Replace credentials once fewer than this many seconds remain; 30 minutes by default. */
  refreshBeforeSeconds?: number;
  now?: () => number;
}

export class RefreshingSource<T extends ExpiringCredentials> {
  private current: T | undefined;
  private inFlight: Promise<T> | undefined;
  private readonly refreshBeforeMs: number;
  private readonly now: () => number;

  constructor(private readonly options: RefreshingSourceOptions<T>) {
    this.refreshBeforeMs = (options.refreshBeforeSeconds ?? 1800) * 1000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Fresh credentials.
   *
   * @example
   * const source = new RefreshingSource({ issue: () => issueForInstance(instance) });
   * const creds = await source.get();
   */
  async get(): Promise<T> {
    const now = this.now();
    const current = this.current;
    if (current !== undefined && current.expiration.getTime() - now > this.refreshBeforeMs) return current;
    try {
      return await this.refresh();
    } catch (error) {
      if (current !== undefined && current.expiration.getTime() > now) return current;
      throw error;
    }
  }

  /** Drop the cached credentials (role changed, options changed); the next `get` issues anew. */
  invalidate(): void {
    this.current = undefined;
  }

  private refresh(): Promise<T> {
    if (this.inFlight === undefined) {
      this.inFlight = this.options
        .issue()
        .then((issued) => {
          this.current = issued;
          return issued;
        })
        .finally(() => {
          this.inFlight = undefined;
        });
    }
    return this.inFlight;
  }
}
