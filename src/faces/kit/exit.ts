// The brand is a registry symbol, not the class: dist/cli.js and each lazily loaded bundle in dist/chunks/ carry
// their own copy of this module (scripts/build.mjs), so a UsageError thrown by the controller bundle is not an
// instance of the class main.ts imported. `Symbol.for` returns the same symbol in every copy.
const USAGE_BRAND = Symbol.for('imps-krm.usage-error');

/** Bad flags or arguments: the message is printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly [USAGE_BRAND] = true;

  /** `instanceof UsageError` holds for a UsageError of any bundle's copy of this class. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isUsageError(value);
  }
}

export function isUsageError(value: unknown): value is UsageError {
  return value instanceof Error && (value as unknown as Record<symbol, unknown>)[USAGE_BRAND] === true;
}

export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3 } as const;
