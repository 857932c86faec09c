import { formatBytes, LIMITS, type Limits } from './limits.js';

/**
 * How a face keeps what it parses. `documents`: each YAML document is converted to plain values and its syntax tree
 * dropped before the next is parsed (render, cmp generate, `files`, kubeconfigs), so the token bound is per document.
 * `whole-input`: the face keeps every syntax tree for the whole run to write items back with their comments and
 * styles (fn's ResourceList, the legacy plugin's resources), so the token bound is for everything it reads.
 */
export type TreeRetention = 'documents' | 'whole-input';

/**
 * What one run has read so far, against LIMITS. One budget per command run, shared by every read (the app
 * directory, `files`, stdin), so splitting input across files gains nothing where a bound is for the whole run.
 */
export class ReadBudget {
  bytes = 0;
  /** Every token read in the run (what `whole-input` faces are bounded by). */
  tokens = 0;
  expandedNodes = 0;
  expandedBytes = 0;
  /** Set once a run-wide bound is hit: whatever is left cannot fit either, so readers stop. */
  exhausted = false;

  constructor(
    readonly limits: Limits = LIMITS,
    readonly retention: TreeRetention = 'documents',
  ) {}

  /** Counts `size` bytes; a message when the run is over its limit. */
  spendBytes(size: number): string | undefined {
    this.bytes += size;
    if (this.bytes <= this.limits.inputBytes) return undefined;
    this.exhausted = true;
    return `the input is larger than ${formatBytes(this.limits.inputBytes)} in all`;
  }

  /**
   * Counts `cost` tokens, `documentTokens` of them so far in the current document; a message when the document (or,
   * for a face that keeps its syntax trees, the run) is over its limit. Either way the run stops reading: a document
   * past the bound means the input is not one this face can take.
   */
  spendTokens(cost: number, documentTokens: number): string | undefined {
    this.tokens += cost;
    const inAll = this.retention === 'whole-input' ? this.limits.retainedTokens : this.limits.inputTokens;
    if (this.tokens > inAll) {
      this.exhausted = true;
      return `the input has more than ${inAll.toLocaleString('en-US')} YAML tokens in all (lines of long values count as tokens)`;
    }
    if (this.retention === 'whole-input' || documentTokens <= this.limits.documentTokens) return undefined;
    this.exhausted = true;
    return `a document has more than ${this.limits.documentTokens.toLocaleString('en-US')} YAML tokens (lines of long values count as tokens)`;
  }
}
