// String helpers that run in linear time on any input. A regular expression such as /\/+$/ is quadratic in V8 on a
// long run of slashes not at the end (80,000 of them took 10 s): input-derived strings never meet one.

// Control characters (C0 but tab, DEL, C1) and the Unicode line and paragraph separators: a terminal acts on them (ESC
// [2K erases the line) and a log reader splits lines at them. Tab is kept: it moves the cursor, nothing more.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * `text` as one line that acts on no terminal: every control character written as a `\uXXXX` escape. The last guard
 * of the "one line per problem" rule (docs/security.md): a name or key from the input that reaches a message is
 * shown safely even where a face forgot to shorten it (found by test/fuzz/resource-list.test.ts: a ConfigMap key
 * holding ESC [2K reached stderr as it was).
 */
export function oneLine(text: string): string {
  return text.replace(UNPRINTABLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `value` without the trailing `char`s. */
export function trimTrailing(value: string, char: string): string {
  let end = value.length;
  while (end > 0 && value[end - 1] === char) end--;
  return value.slice(0, end);
}
