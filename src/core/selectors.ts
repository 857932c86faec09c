import type { SelectorRequirement } from '../generated/image-pull-secret.js';

export type StringMap = Readonly<Record<string, string>>;

/** A label or annotation selector reduced to its two parts; IMPS's annotation selectors have the same shape. */
export interface Selector {
  readonly match?: StringMap | undefined;
  readonly expressions?: readonly SelectorRequirement[] | undefined;
}

const has = (map: StringMap, key: string): boolean => Object.prototype.hasOwnProperty.call(map, key);

/** Kubernetes LabelSelectorRequirement semantics; NotIn also matches when the key is absent. */
export function requirementMatches(requirement: SelectorRequirement, map: StringMap): boolean {
  const present = has(map, requirement.key);
  switch (requirement.operator) {
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    case 'In':
      return present && (requirement.values ?? []).includes(map[requirement.key]!);
    case 'NotIn':
      return !present || !(requirement.values ?? []).includes(map[requirement.key]!);
  }
}

/**
 * The one implementation of selector matching: the index of the first term that does not hold (the `match` pairs
 * in their key order, then the expressions), or -1 when every term holds (AND). An empty selector matches
 * everything, as in IMPS. `selectorMatches` and the explanations of `imps-krm explain` both derive from it, so a
 * reason can never disagree with a decision. Returns a number: the controller calls it for every Pod.
 */
export function firstFailingTerm(selector: Selector, map: StringMap): number {
  let index = 0;
  for (const [key, value] of Object.entries(selector.match ?? {})) {
    if (!has(map, key) || map[key] !== value) return index;
    index += 1;
  }
  for (const requirement of selector.expressions ?? []) {
    if (!requirementMatches(requirement, map)) return index;
    index += 1;
  }
  return -1;
}

export function selectorMatches(selector: Selector, map: StringMap): boolean {
  return firstFailingTerm(selector, map) < 0;
}

/** A term of a selector, by the index `firstFailingTerm` counts with. */
export type SelectorTerm =
  | { readonly kind: 'match'; readonly key: string; readonly value: string }
  | { readonly kind: 'expression'; readonly index: number; readonly requirement: SelectorRequirement };

export function selectorTerm(selector: Selector, index: number): SelectorTerm | undefined {
  const pairs = Object.entries(selector.match ?? {});
  const pair = pairs[index];
  if (pair) return { kind: 'match', key: pair[0], value: pair[1] };
  const requirement = selector.expressions?.[index - pairs.length];
  return requirement && { kind: 'expression', index: index - pairs.length, requirement };
}

/** Whether `map` has `key`: for wording a reason (`has no such label`), never for deciding. */
export const hasKey = has;
