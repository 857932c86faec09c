import type { Clock } from '../../ports/clock.js';

/**
 * A Clock that can also wake us at a moment. Everything time-driven in the controller (token renewal, backoff,
 * lease renewal) goes through it, so tests move time forward instead of waiting for it.
 */
export interface Timers extends Clock {
  /** Calls `fn` once `now()` reaches `at`; returns a cancel function. */
  at(at: Date, fn: () => void): () => void;
}

/** setTimeout caps delays at 2^31-1 ms (~24.8 days): longer waits are re-armed. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export const systemTimers: Timers = {
  now: () => new Date(),
  at(at, fn) {
    let handle: NodeJS.Timeout | undefined;
    const arm = (): void => {
      const delay = at.getTime() - Date.now();
      if (delay <= 0) {
        handle = undefined;
        fn();
        return;
      }
      handle = setTimeout(arm, Math.min(delay, MAX_DELAY_MS));
      handle.unref?.();
    };
    handle = setTimeout(arm, Math.max(0, Math.min(at.getTime() - Date.now(), MAX_DELAY_MS)));
    handle.unref?.();
    return () => {
      if (handle) clearTimeout(handle);
    };
  },
};

/** Resolves after `ms` of `timers` time, or at once when `signal` aborts. */
export function sleep(timers: Timers, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const cancel = timers.at(new Date(timers.now().getTime() + ms), () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    const onAbort = (): void => {
      cancel();
      resolve();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
