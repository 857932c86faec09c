import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstMatchingPattern, globMatches, globMatchSteps, nameMatcher } from '../../src/core/globs.js';
import { compileTarget } from '../../src/core/targets.js';

/** The definition, memoised: `*` is empty or one more character, `?` one character, anything else itself. */
function reference(glob: string, name: string): boolean {
  const memo = new Map<number, boolean>();
  const match = (g: number, n: number): boolean => {
    const key = g * (name.length + 1) + n;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (g === glob.length) result = n === name.length;
    else if (glob[g] === '*') result = match(g + 1, n) || (n < name.length && match(g, n + 1));
    else result = n < name.length && (glob[g] === '?' || glob[g] === name[n]) && match(g + 1, n + 1);
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}

/** The matcher as shipped before: a backtracking regular expression. Only ever run on short inputs here. */
function previousRegex(glob: string, name: string): boolean {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`).test(name);
}

// A small alphabet makes matches (and near misses) frequent; `.` checks that nothing is a regex metacharacter.
const globChar = fc.constantFrom('a', 'b', '-', '.', '*', '?');
const nameChar = fc.constantFrom('a', 'b', '-', '.');
const shortGlob = fc.string({ unit: globChar, maxLength: 12 });
const shortName = fc.string({ unit: nameChar, maxLength: 12 });
const bound = (glob: string, name: string): number => (glob.length + 1) * (name.length + 1);

describe('globMatches', () => {
  it('matches whole names with * (any run) and ? (one character); everything else is literal', () => {
    expect(globMatches('kube-*', 'kube-system')).toBe(true);
    expect(globMatches('kube-*', 'my-kube-system')).toBe(false);
    expect(globMatches('team-?', 'team-a')).toBe(true);
    expect(globMatches('team-?', 'team-ab')).toBe(false);
    expect(globMatches('team-?', 'team-')).toBe(false);
    expect(globMatches('a.b', 'axb')).toBe(false);
    expect(globMatches('*', '')).toBe(true);
    expect(globMatches('', '')).toBe(true);
    expect(globMatches('', 'a')).toBe(false);
    expect(globMatches('**', 'abc')).toBe(true);
    expect(globMatches('*-system', 'kube-system')).toBe(true);
    expect(globMatches('*-system', 'kube-systems')).toBe(false);
    // The last star must be able to give characters back to an earlier literal.
    expect(globMatches('*ab*ab', 'abxabab')).toBe(true);
    expect(globMatches('a*b?c', 'aXbYbZc')).toBe(true);
  });

  it('agrees with the memoised definition (20,000 short globs and names)', () => {
    fc.assert(
      fc.property(shortGlob, shortName, (glob, name) => globMatches(glob, name) === reference(glob, name)),
      { numRuns: 20_000 },
    );
  });

  it('agrees with the regular expression it replaces (10,000 short globs and names)', () => {
    fc.assert(
      fc.property(shortGlob, shortName, (glob, name) => globMatches(glob, name) === previousRegex(glob, name)),
      { numRuns: 10_000 },
    );
  });

  it('agrees with the definition on names built to match (5,000 globs, each with a name it matches)', () => {
    // Random pairs mostly miss; this builds a matching name from the glob, then checks both agree it matches.
    const filled = fc.tuple(shortGlob, fc.array(shortName, { minLength: 12, maxLength: 12 }), nameChar).map(([glob, fills, one]) => {
      let star = 0;
      const name = [...glob].map((c) => (c === '*' ? fills[star++ % fills.length]! : c === '?' ? one : c)).join('');
      return { glob, name };
    });
    fc.assert(
      fc.property(filled, ({ glob, name }) => globMatches(glob, name) && reference(glob, name)),
      { numRuns: 5_000 },
    );
  });

  it('never takes more than (glob + 1) x (name + 1) steps (5,000 random globs and names up to 63 characters)', () => {
    const glob = fc.string({ unit: globChar, maxLength: 63 });
    const name = fc.string({ unit: nameChar, maxLength: 63 });
    fc.assert(
      fc.property(glob, name, (g, n) => {
        const { matched, steps } = globMatchSteps(g, n);
        return matched === globMatches(g, n) && steps <= bound(g, n);
      }),
      { numRuns: 5_000 },
    );
  });

  it('stays within the bound on 1,000 adversarial globs against 63-character names', () => {
    const name63 = 'a'.repeat(63);
    const nearMiss = `${'a'.repeat(62)}b`;
    const cases: Array<[string, string]> = [];
    for (let stars = 1; stars <= 31; stars += 1) {
      cases.push([`${'a*'.repeat(stars)}b`, name63]); // the reported freeze: a*a*a*...*b
      cases.push([`${'*a'.repeat(stars)}*c`, name63]);
      cases.push([`${'?*'.repeat(stars)}b`, name63]);
      cases.push([`*${'a'.repeat(stars)}c`, name63]); // one star, a long literal that fails at its end
      cases.push([`${'*a'.repeat(stars)}`, nearMiss]);
    }
    // Fill up to 1,000 with random star-heavy globs of at most 63 characters.
    const random = fc.sample(fc.string({ unit: fc.constantFrom('a', 'a', '*', '?', 'b'), minLength: 1, maxLength: 63 }), { numRuns: 1_000 - cases.length, seed: 8 });
    for (const glob of random) cases.push([glob, name63]);
    expect(cases).toHaveLength(1_000);

    let total = 0;
    let worst = 0;
    for (const [glob, name] of cases) {
      const { matched, steps } = globMatchSteps(glob, name);
      expect(matched).toBe(reference(glob, name));
      expect(steps).toBeLessThanOrEqual(bound(glob, name));
      total += steps;
      worst = Math.max(worst, steps);
    }
    expect(worst).toBeLessThanOrEqual(64 * 64);
    expect(total).toBeLessThanOrEqual(1_000 * 64 * 64);
  });
});

describe('nameMatcher and compileTarget use the linear matcher', () => {
  // With the previous regex this one call took minutes: the test would time out.
  const freeze = 'a*a*a*a*a*a*a*a*a*b';

  it('answers the reported freezing glob at once', () => {
    expect(nameMatcher([freeze])('a'.repeat(63))).toBe(false);
    const target = compileTarget({ secret: { name: 's' }, excludeNamespaces: [freeze, 'kube-*', 'exact'] });
    for (let i = 0; i < 1_000; i += 1) expect(target.excludes('a'.repeat(63))).toBe(false);
    expect(target.excludes('kube-system')).toBe(true);
    expect(target.excludes('exact')).toBe(true);
    expect(target.excludes('exactly')).toBe(false);
    expect(target.excludes(`${'a'.repeat(62)}b`)).toBe(true);
  });

  it('treats entries without a wildcard as exact names', () => {
    const matches = nameMatcher(['team-a', 'dev-?', 'ops-*']);
    expect(['team-a', 'dev-1', 'ops-', 'ops-x-y'].map(matches)).toEqual([true, true, true, true]);
    expect(['team-ab', 'dev-', 'dev-12', 'op'].map(matches)).toEqual([false, false, false, false]);
  });
});

describe('firstMatchingPattern (what explain names as the exclusion)', () => {
  it('gives the index of the first entry, in list order, that names or matches; -1 for none', () => {
    const first = firstMatchingPattern(['kube-*', 'ops', 'o*', 'ops', '?ps']);
    expect(['kube-system', 'ops', 'opx', 'ups', 'app'].map(first)).toEqual([0, 1, 2, 4, -1]);
    // A glob before an exact name wins, an exact name before a glob wins.
    expect(firstMatchingPattern(['a*', 'ab'])('ab')).toBe(0);
    expect(firstMatchingPattern(['ab', 'a*'])('ab')).toBe(0);
    expect(firstMatchingPattern([])('a')).toBe(-1);
  });
});
