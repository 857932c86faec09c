import type { Timers } from './timers.js';

/**
 * Keys to process one at a time (two reconciles of one CR never race), each at most once however often it was
 * enqueued while waiting. `addAfter` schedules a later visit (backoff, renewal); an earlier one wins.
 */
export class WorkQueue {
  readonly #dirty = new Set<string>();
  readonly #delayed = new Map<string, { at: number; cancel: () => void }>();
  #running = false;
  #stopped = false;
  #idle: Array<() => void> = [];

  constructor(
    private readonly timers: Timers,
    private readonly process: (key: string) => Promise<void>,
  ) {}

  add(key: string): void {
    if (this.#stopped) return;
    this.#dirty.add(key);
    queueMicrotask(() => void this.#drain());
  }

  addAfter(key: string, delayMs: number): void {
    if (this.#stopped) return;
    const at = this.timers.now().getTime() + delayMs;
    const current = this.#delayed.get(key);
    if (current && current.at <= at) return;
    current?.cancel();
    const cancel = this.timers.at(new Date(at), () => {
      this.#delayed.delete(key);
      this.add(key);
    });
    this.#delayed.set(key, { at, cancel });
  }

  /** Resolves when nothing is queued or running (tests and graceful shutdown). */
  idle(): Promise<void> {
    if (!this.#running && this.#dirty.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#dirty.clear();
    for (const { cancel } of this.#delayed.values()) cancel();
    this.#delayed.clear();
    await this.idle();
  }

  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (let key = first(this.#dirty); key !== undefined && !this.#stopped; key = first(this.#dirty)) {
        this.#dirty.delete(key);
        await this.process(key);
      }
    } finally {
      this.#running = false;
      if (this.#dirty.size === 0 || this.#stopped) this.#idle.splice(0).forEach((resolve) => resolve());
      else void this.#drain();
    }
  }
}

function first(set: ReadonlySet<string>): string | undefined {
  for (const value of set) return value;
  return undefined;
}
