// String helpers that run in linear time on any input. A regular expression such as /\/+$/ is quadratic in V8 on a
// long run of slashes not at the end (80,000 of them took 10 s): input-derived strings never meet one.

/** `value` without the trailing `char`s. */
export function trimTrailing(value: string, char: string): string {
  let end = value.length;
  while (end > 0 && value[end - 1] === char) end--;
  return value.slice(0, end);
}
