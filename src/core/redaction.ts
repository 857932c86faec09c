/**
 * Remembers every credential seen during a run and blanks it out of any text meant for people.
 * Defence in depth: messages are written not to carry credentials, and this catches what an SDK echoes back.
 *
 * Each value remembers when it was last seen (by `now`, milliseconds; 0 without a clock), so a long-running
 * process can forget values it has not seen for a while (`forgetSeenBefore`): see the controller's ExpiringRedactor.
 */
export class Redactor {
  readonly #seen = new Map<string, number>();

  constructor(private readonly now: () => number = () => 0) {}

  /** Values shorter than 4 characters are not remembered: blanking them would mangle ordinary words. */
  remember(...values: ReadonlyArray<string | undefined>): void {
    const at = this.now();
    for (const value of values) {
      if (value && value.length >= 4) {
        this.#seen.set(value, at);
        // Credentials also travel base64-encoded (docker `auth`, ECR tokens).
        this.#seen.set(Buffer.from(value, 'utf8').toString('base64'), at);
      }
    }
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret containing another is blanked whole.
    for (const secret of [...this.#seen.keys()].sort((a, b) => b.length - a.length)) {
      if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    }
    return out;
  }

  /** Forgets the values last remembered before `before` (the clock's milliseconds). */
  protected forgetSeenBefore(before: number): void {
    for (const [value, at] of this.#seen) if (at < before) this.#seen.delete(value);
  }

  /** How many values (each with its base64 form) are remembered. */
  get size(): number {
    return this.#seen.size;
  }
}
