/**
 * Remembers every credential seen during a run and blanks it out of any text meant for people.
 * Defence in depth: messages are written not to carry credentials, and this catches what an SDK echoes back.
 */
export class Redactor {
  readonly #secrets = new Set<string>();

  /** Values shorter than 4 characters are not remembered: blanking them would mangle ordinary words. */
  remember(...values: ReadonlyArray<string | undefined>): void {
    for (const value of values) {
      if (value && value.length >= 4) {
        this.#secrets.add(value);
        // Credentials also travel base64-encoded (docker `auth`, ECR tokens).
        this.#secrets.add(Buffer.from(value, 'utf8').toString('base64'));
      }
    }
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret containing another is blanked whole.
    for (const secret of [...this.#secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    }
    return out;
  }
}
