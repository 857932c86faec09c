// Narrowing untyped data (parsed YAML or JSON, API answers) to the shapes the code reads. One behaviour everywhere:
// a value that is not what is asked for reads as absent, never as an error here; whoever needs to report it checks
// with `isRecord` first and says which field is wrong.

/** A plain object: not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object itself, or `{}` for anything else (null, an array, a string): for reading optional nested fields. */
export function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/**
 * The string entries of an object (labels, annotations); entries whose value is not a string are dropped, the
 * others kept: a YAML `true` is not valid Kubernetes metadata, and one bad entry does not hide the good ones.
 * Anything but an object reads as `{}`.
 */
export function stringMap(value: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(asRecord(value)).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** A string field, or undefined. */
export const stringOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
