/**
 * Reconnection delays: exponential from `initialMs`, capped at `maxMs`, with full jitter so that
 * replicas that lost the database together do not reconnect in step ("Exponential Backoff And
 * Jitter", AWS Architecture Blog, https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 5000 };

/**
 * The delay before attempt `attempt` (0 for the first retry).
 *
 * @example
 * backoffDelay(3, { initialMs: 100, maxMs: 5000 }, () => 1) // 800
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return Math.max(policy.initialMs / 2, Math.round(ceiling * random()));
}
