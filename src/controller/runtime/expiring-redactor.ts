import { Redactor } from '../../core/redaction.js';

/**
 * A Redactor for a process that runs for months: every renewed token is a new credential to blank out, so the
 * set would grow forever (an ECR token is ~2 KB, four renewals a day per credential). Values not remembered again
 * for a while are forgotten: renewed-away tokens have expired by then, and credentials still in use (static keys,
 * current tokens) are remembered again on every reconcile.
 */
export class ExpiringRedactor extends Redactor {
  readonly #seen = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  override remember(...values: ReadonlyArray<string | undefined>): void {
    const at = this.now();
    for (const value of values) {
      if (value && value.length >= 4) {
        this.#seen.set(value, at);
        this.#seen.set(Buffer.from(value, 'utf8').toString('base64'), at);
      }
    }
  }

  override redact(text: string): string {
    let out = text;
    for (const secret of [...this.#seen.keys()].sort((a, b) => b.length - a.length)) {
      if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    }
    return out;
  }

  /** Forgets values last remembered before `before` (ms since the epoch). */
  forgetOlderThan(before: number): void {
    for (const [value, at] of this.#seen) if (at < before) this.#seen.delete(value);
  }

  get size(): number {
    return this.#seen.size;
  }
}
