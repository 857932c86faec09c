/** Jittered exponential backoff: base·2^n capped at max, then scaled by a random factor in [0.5, 1). */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 5 * 60_000 };

/**
 * Delay before retry number `failures` (1 for the first retry). A server's Retry-After is a floor: retrying
 * sooner only earns another 429. Jitter keeps many CRs (or replicas) that failed together from retrying together.
 */
export function backoffDelay(policy: BackoffPolicy, failures: number, retryAfterSeconds?: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, failures - 1));
  const jittered = exponential * (0.5 + random() / 2);
  return Math.max(jittered, (retryAfterSeconds ?? 0) * 1000);
}
