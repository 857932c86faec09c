/** Matches a whole name against a glob with `*` (any run, possibly empty) and `?` (one character). */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** One predicate for a list of names and globs, compiled once. */
export function nameMatcher(patterns: readonly string[]): (name: string) => boolean {
  const exact = new Set(patterns.filter((pattern) => !/[*?]/.test(pattern)));
  const globs = patterns.filter((pattern) => /[*?]/.test(pattern)).map(globToRegExp);
  return (name) => exact.has(name) || globs.some((glob) => glob.test(name));
}
