import type { Timers } from '../../src/controller/runtime/timers.js';

/**
 * A clock that moves only when told: no timer fires on its own, so a unit test decides exactly when a debounce, a
 * backoff or a renewal comes due, and never waits for wall-clock time.
 */
export class ManualTimers implements Timers {
  #now: number;
  readonly #pending = new Set<{ at: number; fn: () => void }>();

  constructor(start: Date) {
    this.#now = start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  at(at: Date, fn: () => void): () => void {
    const entry = { at: at.getTime(), fn };
    this.#pending.add(entry);
    return () => void this.#pending.delete(entry);
  }

  /** When the earliest pending timer comes due (undefined: none armed). */
  get next(): Date | undefined {
    const at = Math.min(...[...this.#pending].map((entry) => entry.at));
    return Number.isFinite(at) ? new Date(at) : undefined;
  }

  /** Moves time forward, firing every timer that comes due on the way, earliest first. */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      const due = [...this.#pending].filter((entry) => entry.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.#pending.delete(due);
      this.#now = Math.max(this.#now, due.at);
      due.fn();
    }
    this.#now = until;
  }
}

/** Lets every queued promise callback run (no wall-clock wait: one macrotask turn at a time). */
export async function settle(turns = 20): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setImmediate(resolve));
}
