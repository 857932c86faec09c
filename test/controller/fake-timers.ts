import type { Timers } from '../../src/controller/runtime/timers.js';

/**
 * Real time plus an offset that tests move forward: short waits (debounce, backoff) pass on their own, and
 * `advance` jumps hours at once, firing every timer that comes due.
 */
export class FakeTimers implements Timers {
  #offset = 0;
  readonly #pending = new Set<{ at: number; fire: () => void }>();

  constructor(start?: Date) {
    if (start) this.#offset = start.getTime() - Date.now();
  }

  now(): Date {
    return new Date(Date.now() + this.#offset);
  }

  at(at: Date, fn: () => void): () => void {
    const entry = {
      at: at.getTime(),
      fire: () => {
        clearTimeout(handle);
        if (this.#pending.delete(entry)) fn();
      },
    };
    this.#pending.add(entry);
    const handle = setTimeout(() => entry.fire(), Math.max(0, Math.min(at.getTime() - this.now().getTime(), 2 ** 31 - 1)));
    return () => {
      clearTimeout(handle);
      this.#pending.delete(entry);
    };
  }

  /** Moves time forward and fires every timer that came due, earliest first. */
  advance(ms: number): void {
    this.moveClock(ms);
    const now = this.now().getTime();
    for (const entry of [...this.#pending].sort((a, b) => a.at - b.at)) if (entry.at <= now) entry.fire();
  }

  /** How time moves; a subclass may move the process clock itself instead of an offset. */
  protected moveClock(ms: number): void {
    this.#offset += ms;
  }
}
