import { formatBytes, LIMITS, type Limits } from './limits.js';

/**
 * What one run has read so far, against LIMITS. One budget per command run, shared by every read (the app
 * directory, `files`, stdin), so splitting input across files gains nothing.
 */
export class ReadBudget {
  bytes = 0;
  tokens = 0;
  expandedNodes = 0;
  expandedBytes = 0;
  /** Set once a run-wide bound is hit: whatever is left cannot fit either, so readers stop. */
  exhausted = false;

  constructor(readonly limits: Limits = LIMITS) {}

  /** Counts `size` bytes; a message when the run is over its limit. */
  spendBytes(size: number): string | undefined {
    this.bytes += size;
    if (this.bytes <= this.limits.inputBytes) return undefined;
    this.exhausted = true;
    return `the input is larger than ${formatBytes(this.limits.inputBytes)} in all`;
  }
}
