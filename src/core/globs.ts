/**
 * Glob matching for `excludeNamespaces`: `*` matches any run of characters (possibly empty), `?` exactly one, every
 * other character itself; the whole name must match. Specs are written by people the tool does not trust, so no
 * regular expression is built from them: a backtracking engine takes exponential time on `a*a*a*a*a*a*a*a*a*b`.
 *
 * The classic two-pointer algorithm: on a mismatch it returns to the most recent `*` only and lets it swallow one
 * more character. Earlier stars never need revisiting (whatever they could absorb, the later star can absorb too),
 * so the work is at most (glob length + 1) x (name length + 1) steps.
 */
export function globMatches(glob: string, name: string): boolean {
  return run(glob, name, undefined);
}

/**
 * The number of loop steps `globMatches` takes: for tests that bound the work on adversarial globs without timing
 * anything. Not for production code.
 */
export function globMatchSteps(glob: string, name: string): { readonly matched: boolean; readonly steps: number } {
  const meter = { steps: 0 };
  const matched = run(glob, name, meter);
  return { matched, steps: meter.steps };
}

function run(glob: string, name: string, meter: { steps: number } | undefined): boolean {
  let g = 0;
  let n = 0;
  // Position of the last `*` seen, and where in `name` the characters it swallows end.
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    if (meter) meter.steps += 1;
    const c = glob.charCodeAt(g);
    if (c === STAR) {
      star = g;
      resume = n;
      g += 1;
    } else if (g < glob.length && (c === QUESTION || c === name.charCodeAt(n))) {
      g += 1;
      n += 1;
    } else if (star >= 0) {
      resume += 1;
      n = resume;
      g = star + 1;
    } else {
      return false;
    }
  }
  while (glob.charCodeAt(g) === STAR) {
    if (meter) meter.steps += 1;
    g += 1;
  }
  return g === glob.length;
}

const STAR = 0x2a;
const QUESTION = 0x3f;

/** True when the pattern has a wildcard; a pattern without one is an exact name. */
export const isGlob = (pattern: string): boolean => pattern.includes('*') || pattern.includes('?');

/**
 * The index of the first pattern (in list order) that names or matches `name`, or -1: the one implementation behind
 * `nameMatcher` and the exclusions `imps-krm explain` reports. Compiled once: exact names by map lookup, globs in
 * linear time.
 */
export function firstMatchingPattern(patterns: readonly string[]): (name: string) => number {
  const exact = new Map<string, number>();
  const globs: Array<[string, number]> = [];
  patterns.forEach((pattern, index) => {
    if (!isGlob(pattern)) {
      if (!exact.has(pattern)) exact.set(pattern, index);
    } else {
      globs.push([pattern, index]);
    }
  });
  return (name) => {
    const named = exact.get(name) ?? patterns.length;
    for (const [glob, index] of globs) {
      if (index > named) break;
      if (globMatches(glob, name)) return index;
    }
    return named < patterns.length ? named : -1;
  };
}

/** One predicate for a list of names and globs. */
export function nameMatcher(patterns: readonly string[]): (name: string) => boolean {
  const first = firstMatchingPattern(patterns);
  return (name) => first(name) >= 0;
}
