// The one retry policy of every provider (src/adapters/retry-policy.ts), on a simulated clock: what docs/registries.md
// states about attempts, backoff, Retry-After and the time bound is what it does.
import { describe, expect, it } from 'vitest';
import { parseRetryAfter, PERMANENT, RETRY_POLICY, retryNote, transientStatus, withRetries, type RetryClock, type Transience } from '../../src/adapters/retry-policy.js';

/** A clock that never waits: sleeps are recorded and move time. `random` is fixed (0: the shortest jitter). */
function simulatedClock(random = 0): RetryClock & { slept: number[]; at: number } {
  const clock = {
    at: 0,
    slept: [] as number[],
    now: () => clock.at,
    sleep: async (ms: number) => {
      clock.slept.push(ms);
      clock.at += ms;
    },
    random: () => random,
  };
  return clock;
}

const transient = (retryAfterMs?: number): Transience => ({ transient: true, retryAfterMs });

/** An attempt that fails with the given classifications in turn, then succeeds. */
function failing(...outcomes: Transience[]) {
  let calls = 0;
  const attempt = async (): Promise<string> => {
    const outcome = outcomes[calls++];
    if (outcome) throw Object.assign(new Error(`attempt ${calls}`), { outcome });
    return 'ok';
  };
  const classify = (error: unknown): Transience => (error as { outcome: Transience }).outcome;
  return { attempt, classify, calls: () => calls };
}

describe('retry policy', () => {
  it('is 3 attempts, 250 ms doubling backoff with jitter in [0.5, 1], Retry-After up to 5 s, nothing after 20 s', () => {
    expect(RETRY_POLICY).toEqual({ maxAttempts: 3, baseDelayMs: 250, retryAfterCapMs: 5_000, budgetMs: 20_000 });
  });

  it('retries a transient failure after the backoff and succeeds', async () => {
    const clock = simulatedClock(0);
    const f = failing(transient());
    expect(await withRetries(f.attempt, f.classify, RETRY_POLICY, clock)).toBe('ok');
    expect({ calls: f.calls(), slept: clock.slept }).toEqual({ calls: 2, slept: [125] });
  });

  it('doubles the backoff; jitter stays within [half, full]', async () => {
    for (const [random, slept] of [
      [0, [125, 250]],
      [0.999999, [250, 500]],
    ] as const) {
      const clock = simulatedClock(random);
      const f = failing(transient(), transient());
      await withRetries(f.attempt, f.classify, RETRY_POLICY, clock);
      expect(clock.slept.map((ms) => Math.round(ms))).toEqual(slept);
    }
  });

  it('waits what Retry-After asks when it is longer than the backoff', async () => {
    const clock = simulatedClock();
    const f = failing(transient(3000));
    await withRetries(f.attempt, f.classify, RETRY_POLICY, clock);
    expect(clock.slept).toEqual([3000]);
  });

  it('gives up after 3 attempts, within 750 ms of waiting, and says so', async () => {
    const clock = simulatedClock(0.999999);
    const f = failing(transient(), transient(), transient(), transient());
    const error = await withRetries(f.attempt, f.classify, RETRY_POLICY, clock).catch((e: unknown) => e);
    expect(f.calls()).toBe(3);
    expect(clock.at).toBeLessThanOrEqual(750);
    expect(retryNote(error)).toBe(' (gave up after 3 attempts)');
  });

  it('does not wait for a Retry-After over 5 s: one attempt, and the note says why', async () => {
    const clock = simulatedClock();
    const f = failing(transient(120_000));
    const error = await withRetries(f.attempt, f.classify, RETRY_POLICY, clock).catch((e: unknown) => e);
    expect({ calls: f.calls(), slept: clock.slept }).toEqual({ calls: 1, slept: [] });
    expect(retryNote(error)).toBe(' (Retry-After 120 s is longer than the 5 s a token request waits; not retried)');
  });

  it('starts no retry that would begin after the 20 s budget (attempts that hang count)', async () => {
    const clock = simulatedClock();
    let calls = 0;
    const slow = async (): Promise<never> => {
      calls++;
      clock.at += 18_000; // an attempt that took 18 s before failing
      throw new Error('slow');
    };
    const error = await withRetries(slow, () => transient(3000), RETRY_POLICY, clock).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(retryNote(error)).toBe(' (gave up after 1 attempt: a retry would start more than 20 s after the first)');
  });

  it('does not retry a permanent failure, and notes attempts when one came after a transient one', async () => {
    const clock = simulatedClock();
    const once = failing(PERMANENT);
    const first = await withRetries(once.attempt, once.classify, RETRY_POLICY, clock).catch((e: unknown) => e);
    expect({ calls: once.calls(), note: retryNote(first) }).toEqual({ calls: 1, note: '' });
    const later = failing(transient(), PERMANENT);
    const second = await withRetries(later.attempt, later.classify, RETRY_POLICY, clock).catch((e: unknown) => e);
    expect({ calls: later.calls(), note: retryNote(second) }).toEqual({ calls: 2, note: ' (after 2 attempts)' });
  });

  it('never retries what an inner step already retried (no retries of retries)', async () => {
    const clock = simulatedClock();
    const inner = failing(transient(), transient(), transient());
    let outerCalls = 0;
    const outer = async (): Promise<string> => {
      outerCalls++;
      return withRetries(inner.attempt, inner.classify, RETRY_POLICY, clock);
    };
    await withRetries(outer, () => transient(), RETRY_POLICY, clock).catch(() => undefined);
    expect({ outerCalls, innerCalls: inner.calls() }).toEqual({ outerCalls: 1, innerCalls: 3 });
  });

  it('reads which statuses are transient, and Retry-After as seconds or a date', () => {
    expect([408, 429, 500, 502, 503, 504].map(transientStatus)).toEqual([true, true, true, true, true, true]);
    expect([undefined, 200, 400, 401, 403, 404, 501, 505].map((status) => transientStatus(status))).toEqual(Array(8).fill(false));
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
