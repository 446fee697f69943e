/**
 * `GET /ready`: whether this replica can serve, for a load balancer's health check. `/health`
 * says the process answers (liveness: restart it if not); `/ready` says it can do its work now:
 * the store answers a one-row read within `timeoutMs`, and the key ring is loaded. A replica that
 * lost its database stays alive (every request gets a retryable 503) and is taken out of
 * rotation by `/ready` until it reconnects.
 */
import type { ApiResponse } from '../http/types.js';

export interface ReadinessChecks {
  /** A cheap read of the store (the store generation). */
  readStore: () => Promise<unknown>;
  /** Throws while the key ring is not loaded. */
  keyRing: () => unknown;
  /** 1000 ms by default. */
  timeoutMs?: number;
}

const json = (status: number, body: object): ApiResponse => ({
  status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/**
 * @example
 * const ready = createReadiness({ readStore: () => store.generation(), keyRing: keyRing.current });
 * (await ready()).status // 200 or 503
 */
export function createReadiness(checks: ReadinessChecks): () => Promise<ApiResponse> {
  const timeoutMs = checks.timeoutMs ?? 1000;
  return async () => {
    try {
      checks.keyRing();
    } catch {
      return json(503, { status: 'unavailable', reason: 'the key ring is not loaded' });
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([checks.readStore().then(() => 'ok' as const), timedOut]);
      if (outcome === 'timeout') {
        return json(503, {
          status: 'unavailable',
          reason: `the store did not answer within ${timeoutMs} ms`,
        });
      }
    } catch {
      // The error may name hosts or SQL: the reason stays generic.
      return json(503, { status: 'unavailable', reason: 'the store is unreachable' });
    } finally {
      clearTimeout(timer);
    }
    return json(200, { status: 'ready' });
  };
}
