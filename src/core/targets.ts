import type { AnnotationSelector, LabelSelector, TargetConfig } from '../generated/image-pull-secret.js';
import type { NamespaceFacts, PodFacts } from './facts.js';
import { firstMatchingPattern } from './globs.js';
import { firstFailingTerm, type Selector, type StringMap } from './selectors.js';

/** Which list of `spec.target` a rule comes from. */
export type RuleKind = 'names' | 'labels' | 'annotations' | 'podLabels' | 'podAnnotations';

/** One selection rule of `spec.target`: a `names` entry or one selector. */
export interface TargetRule {
  readonly kind: RuleKind;
  readonly index: number;
  /** Its field path, e.g. `spec.target.namespaces.labels[0]`: what `imps-krm explain` names it by. */
  readonly field: string;
}

/** A selector rule, with what it reads: the labels or the annotations of a namespace or a Pod. */
export interface SelectorRule extends TargetRule {
  readonly kind: Exclude<RuleKind, 'names'>;
  readonly reads: 'labels' | 'annotations';
  readonly selector: Selector;
}

/** A selector rule evaluated against one namespace: `failingTerm` is -1 when it matches (see firstFailingTerm). */
export interface RuleCheck {
  readonly rule: SelectorRule;
  readonly failingTerm: number;
}

/** Compiled form of `spec.target`: the selection rules of one ImagePullSecret. */
export interface TargetMatcher {
  /** True when some rule needs the Pods of the cluster (`namespacesWithPods`). */
  readonly wantsPods: boolean;
  /** Names listed in `spec.target.namespaces.names`. */
  readonly names: readonly string[];
  /** `spec.target.excludeNamespaces`, as written. */
  readonly exclusions: readonly string[];
  /** The selectors on namespaces (labels, then annotations) and on Pods (labels, then annotations), in spec order. */
  readonly namespaceSelectors: readonly SelectorRule[];
  readonly podSelectors: readonly SelectorRule[];
  /** The first rule on the namespace itself that matches: its `names` entry, else a selector in spec order. */
  namespaceRule(namespace: NamespaceFacts): TargetRule | undefined;
  /** The `names` entry listing the namespace, and every namespace selector with its first failing term. */
  checkNamespace(namespace: NamespaceFacts): { readonly name: TargetRule | undefined; readonly selectors: readonly RuleCheck[] };
  /** The first `namespacesWithPods` selector this Pod matches. */
  podRule(pod: PodFacts): SelectorRule | undefined;
  /** Index in `excludeNamespaces` of the first entry naming or matching the namespace; -1 when none does. */
  exclusion(namespace: string): number;
  /** A rule on the namespace itself matches (names, labels, annotations); exclusions not applied. */
  matchesNamespace(namespace: NamespaceFacts): boolean;
  /** A `namespacesWithPods` rule matches this Pod; exclusions not applied. */
  matchesPod(pod: PodFacts): boolean;
  /** `excludeNamespaces` names or matches this namespace: it wins over every rule. */
  excludes(namespace: string): boolean;
}

const fromLabels = (selector: LabelSelector): Selector => ({ match: selector.matchLabels, expressions: selector.matchExpressions });
const fromAnnotations = (selector: AnnotationSelector): Selector => ({ match: selector.matchAnnotations, expressions: selector.matchExpressions });

function selectorRules(
  kind: SelectorRule['kind'],
  path: string,
  reads: SelectorRule['reads'],
  selectors: readonly Selector[],
): SelectorRule[] {
  return selectors.map((selector, index) => ({ kind, index, field: `spec.target.${path}[${index}]`, reads, selector }));
}

const mapOf = (rule: SelectorRule, object: { readonly labels: StringMap; readonly annotations: StringMap }): StringMap =>
  rule.reads === 'labels' ? object.labels : object.annotations;

/** The first of `rules` that matches (every matching decision goes through firstFailingTerm). */
function firstMatching(rules: readonly SelectorRule[], object: { readonly labels: StringMap; readonly annotations: StringMap }): SelectorRule | undefined {
  for (const rule of rules) if (firstFailingTerm(rule.selector, mapOf(rule, object)) < 0) return rule;
  return undefined;
}

export function compileTarget(target: TargetConfig): TargetMatcher {
  const names = target.namespaces?.names ?? [];
  const nameRules = new Map<string, TargetRule>();
  names.forEach((name, index) => {
    if (!nameRules.has(name)) nameRules.set(name, { kind: 'names', index, field: `spec.target.namespaces.names[${index}]` });
  });
  const namespaceSelectors = [
    ...selectorRules('labels', 'namespaces.labels', 'labels', (target.namespaces?.labels ?? []).map(fromLabels)),
    ...selectorRules('annotations', 'namespaces.annotations', 'annotations', (target.namespaces?.annotations ?? []).map(fromAnnotations)),
  ];
  const podSelectors = [
    ...selectorRules('podLabels', 'namespacesWithPods.labels', 'labels', (target.namespacesWithPods?.labels ?? []).map(fromLabels)),
    ...selectorRules('podAnnotations', 'namespacesWithPods.annotations', 'annotations', (target.namespacesWithPods?.annotations ?? []).map(fromAnnotations)),
  ];
  const exclusions = target.excludeNamespaces ?? [];
  const exclusion = firstMatchingPattern(exclusions);
  const namespaceRule = (namespace: NamespaceFacts): TargetRule | undefined =>
    nameRules.get(namespace.name) ?? firstMatching(namespaceSelectors, namespace);
  const podRule = (pod: PodFacts): SelectorRule | undefined => firstMatching(podSelectors, pod);
  return {
    wantsPods: podSelectors.length > 0,
    names,
    exclusions,
    namespaceSelectors,
    podSelectors,
    namespaceRule,
    checkNamespace: (namespace) => ({
      name: nameRules.get(namespace.name),
      selectors: namespaceSelectors.map((rule) => ({ rule, failingTerm: firstFailingTerm(rule.selector, mapOf(rule, namespace)) })),
    }),
    podRule,
    exclusion,
    matchesNamespace: (namespace) => namespaceRule(namespace) !== undefined,
    matchesPod: (pod) => podRule(pod) !== undefined,
    excludes: (namespace) => exclusion(namespace) >= 0,
  };
}

/** The decision for one namespace, consent aside: `selectNamespaces` keeps the selected ones, `explain` says why. */
export interface Selection {
  readonly selected: boolean;
  /** The first rule on the namespace itself that matches; undefined when none does. */
  readonly rule: TargetRule | undefined;
  /** Index in `excludeNamespaces` of the entry that removes the namespace; -1 when none does. */
  readonly exclusion: number;
}

/** Any rule matching selects (logical OR: a rule on the namespace, or one of its Pods); an exclusion wins. */
export function selectionOf(matcher: TargetMatcher, namespace: NamespaceFacts, hasMatchingPod: boolean): Selection {
  const exclusion = matcher.exclusion(namespace.name);
  const rule = matcher.namespaceRule(namespace);
  return { selected: exclusion < 0 && (rule !== undefined || hasMatchingPod), rule, exclusion };
}

/**
 * One pass over the namespaces, each list sorted: `selected` receive the Secret; `excluded` are matched by some rule
 * but removed by an `excludeNamespaces` entry (what a summary mentions). `withMatchingPods` holds the namespaces
 * where at least one Pod matched `matchesPod`.
 */
export function partitionNamespaces(
  matcher: TargetMatcher,
  namespaces: readonly NamespaceFacts[],
  withMatchingPods: ReadonlySet<string>,
): { readonly selected: string[]; readonly excluded: string[] } {
  const selected: string[] = [];
  const excluded: string[] = [];
  for (const namespace of namespaces) {
    const hasMatchingPod = withMatchingPods.has(namespace.name);
    const selection = selectionOf(matcher, namespace, hasMatchingPod);
    if (selection.selected) selected.push(namespace.name);
    else if (selection.exclusion >= 0 && (selection.rule !== undefined || hasMatchingPod)) excluded.push(namespace.name);
  }
  return { selected: selected.sort(compareStrings), excluded: excluded.sort(compareStrings) };
}

/** The namespaces that receive the Secret, sorted. */
export const selectNamespaces = (matcher: TargetMatcher, namespaces: readonly NamespaceFacts[], withMatchingPods: ReadonlySet<string>): string[] =>
  partitionNamespaces(matcher, namespaces, withMatchingPods).selected;

/** Code-point order, independent of the locale, so output bytes never depend on the machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
