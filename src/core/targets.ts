import type { AnnotationSelector, LabelSelector, TargetConfig } from '../generated/image-pull-secret.js';
import type { NamespaceFacts, PodFacts } from './facts.js';
import { nameMatcher } from './globs.js';
import { selectorMatches, type Selector, type StringMap } from './selectors.js';

/** Compiled form of `spec.target`: the selection rules of one ImagePullSecret. */
export interface TargetMatcher {
  /** True when some rule needs the Pods of the cluster (`namespacesWithPods`). */
  readonly wantsPods: boolean;
  /** Names listed in `spec.target.namespaces.names`. */
  readonly names: readonly string[];
  /** A rule on the namespace itself matches (names, labels, annotations); exclusions not applied. */
  matchesNamespace(namespace: NamespaceFacts): boolean;
  /** A `namespacesWithPods` rule matches this Pod; exclusions not applied. */
  matchesPod(pod: PodFacts): boolean;
  /** `excludeNamespaces` names or matches this namespace: it wins over every rule. */
  excludes(namespace: string): boolean;
}

const fromLabels = (selector: LabelSelector): Selector => ({
  match: selector.matchLabels,
  expressions: selector.matchExpressions,
});
const fromAnnotations = (selector: AnnotationSelector): Selector => ({
  match: selector.matchAnnotations,
  expressions: selector.matchExpressions,
});

const anyMatches = (selectors: readonly Selector[], map: StringMap): boolean =>
  selectors.some((selector) => selectorMatches(selector, map));

export function compileTarget(target: TargetConfig): TargetMatcher {
  const names = target.namespaces?.names ?? [];
  const nameSet = new Set(names);
  const nsLabels = (target.namespaces?.labels ?? []).map(fromLabels);
  const nsAnnotations = (target.namespaces?.annotations ?? []).map(fromAnnotations);
  const podLabels = (target.namespacesWithPods?.labels ?? []).map(fromLabels);
  const podAnnotations = (target.namespacesWithPods?.annotations ?? []).map(fromAnnotations);
  const excluded = nameMatcher(target.excludeNamespaces ?? []);
  return {
    wantsPods: podLabels.length + podAnnotations.length > 0,
    names,
    matchesNamespace: (namespace) =>
      nameSet.has(namespace.name) ||
      anyMatches(nsLabels, namespace.labels) ||
      anyMatches(nsAnnotations, namespace.annotations),
    matchesPod: (pod) => anyMatches(podLabels, pod.labels) || anyMatches(podAnnotations, pod.annotations),
    excludes: excluded,
  };
}

/**
 * The namespaces that receive the Secret, sorted: any rule matching selects (logical OR), exclusions win.
 * `withMatchingPods` holds the namespaces where at least one Pod matched `matchesPod`.
 */
export function selectNamespaces(
  matcher: TargetMatcher,
  namespaces: readonly NamespaceFacts[],
  withMatchingPods: ReadonlySet<string>,
): string[] {
  return namespaces
    .filter((namespace) => !matcher.excludes(namespace.name))
    .filter((namespace) => matcher.matchesNamespace(namespace) || withMatchingPods.has(namespace.name))
    .map((namespace) => namespace.name)
    .sort(compareStrings);
}

/** Code-point order, independent of the locale, so output bytes never depend on the machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
