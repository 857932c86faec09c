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

/** Every pair and every expression must hold (AND); an empty selector matches everything, as in IMPS. */
export function selectorMatches(selector: Selector, map: StringMap): boolean {
  for (const [key, value] of Object.entries(selector.match ?? {})) {
    if (!has(map, key) || map[key] !== value) return false;
  }
  return (selector.expressions ?? []).every((requirement) => requirementMatches(requirement, map));
}
