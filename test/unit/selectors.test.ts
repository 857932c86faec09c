import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requirementMatches, selectorMatches, type Selector } from '../../src/core/selectors.js';
import type { SelectorRequirement } from '../../src/generated/image-pull-secret.js';

describe('requirementMatches', () => {
  const labels = { app: 'web', tier: 'front' };
  it.each<[SelectorRequirement, boolean]>([
    [{ key: 'app', operator: 'In', values: ['web', 'api'] }, true],
    [{ key: 'app', operator: 'In', values: ['api'] }, false],
    [{ key: 'missing', operator: 'In', values: ['web'] }, false],
    [{ key: 'app', operator: 'NotIn', values: ['api'] }, true],
    [{ key: 'app', operator: 'NotIn', values: ['web'] }, false],
    // Kubernetes: NotIn matches objects without the key.
    [{ key: 'missing', operator: 'NotIn', values: ['web'] }, true],
    [{ key: 'tier', operator: 'Exists' }, true],
    [{ key: 'missing', operator: 'Exists' }, false],
    [{ key: 'missing', operator: 'DoesNotExist' }, true],
    [{ key: 'tier', operator: 'DoesNotExist' }, false],
  ])('%j -> %s', (requirement, expected) => {
    expect(requirementMatches(requirement, labels)).toBe(expected);
  });

  it('does not treat inherited object properties as labels', () => {
    expect(requirementMatches({ key: 'constructor', operator: 'Exists' }, {})).toBe(false);
    expect(selectorMatches({ match: { toString: 'x' } }, {})).toBe(false);
  });
});

describe('selectorMatches', () => {
  it('matches everything when empty, as IMPS does', () => {
    expect(selectorMatches({}, {})).toBe(true);
    expect(selectorMatches({ match: {}, expressions: [] }, { a: 'b' })).toBe(true);
  });

  it('ANDs matchLabels and expressions', () => {
    const selector: Selector = { match: { app: 'web' }, expressions: [{ key: 'tier', operator: 'Exists' }] };
    expect(selectorMatches(selector, { app: 'web', tier: 'x' })).toBe(true);
    expect(selectorMatches(selector, { app: 'web' })).toBe(false);
    expect(selectorMatches(selector, { tier: 'x' })).toBe(false);
  });

  it('agrees with a straightforward reference implementation', () => {
    const key = fc.constantFrom('a', 'b', 'c');
    const value = fc.constantFrom('1', '2', '3');
    const map = fc.dictionary(key, value);
    const requirement: fc.Arbitrary<SelectorRequirement> = fc.oneof(
      fc.record({ key, operator: fc.constantFrom('In' as const, 'NotIn' as const), values: fc.array(value, { minLength: 1, maxLength: 3 }) }),
      fc.record({ key, operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
    );
    const selector = fc.record({ match: fc.option(map, { nil: undefined }), expressions: fc.option(fc.array(requirement, { maxLength: 3 }), { nil: undefined }) });
    fc.assert(
      fc.property(selector, map, (s, labels) => {
        expect(selectorMatches(s, labels)).toBe(reference(s, labels));
      }),
      { numRuns: 2000 },
    );
  });
});

/** The Kubernetes rules spelled out one by one, deliberately unlike the implementation. */
function reference(selector: Selector, labels: Record<string, string>): boolean {
  const keys = Object.keys(labels);
  for (const k of Object.keys(selector.match ?? {})) {
    if (!keys.includes(k) || labels[k] !== selector.match![k]) return false;
  }
  for (const r of selector.expressions ?? []) {
    const present = keys.includes(r.key);
    const value = labels[r.key];
    if (r.operator === 'Exists' && !present) return false;
    if (r.operator === 'DoesNotExist' && present) return false;
    if (r.operator === 'In' && (!present || !r.values!.some((v) => v === value))) return false;
    if (r.operator === 'NotIn' && present && r.values!.some((v) => v === value)) return false;
  }
  return true;
}
