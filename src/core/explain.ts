import type { Mismatch, NamespaceExplanation, PodRef, Refusal, RepositoryCredentialsExplanation, RuleMatch } from '../generated/explanation.js';
import type { NamespaceFacts } from './facts.js';
import { hasKey, selectorTerm, type SelectorTerm } from './selectors.js';
import type { RuleCheck, Selection, SelectorRule, TargetMatcher } from './targets.js';

// Why a namespace does or does not receive an ImagePullSecret's Secret, for `imps-krm explain`. Nothing here decides:
// the verdict is `selectionOf`'s (the function `selectNamespaces` filters with), the rules that match and the first
// term that fails come from the matcher's own `checkNamespace` and `podRule`. This module only puts them into words.

/** The first Pod seen in a namespace that matches a `namespacesWithPods` selector: one per namespace, never a list. */
export interface PodMatch {
  readonly pod: PodRef;
  readonly rule: SelectorRule;
}

export interface NamespaceCase {
  readonly matcher: TargetMatcher;
  readonly namespace: NamespaceFacts;
  /** `selectionOf(matcher, namespace, podMatch !== undefined)`. */
  readonly selection: Selection;
  readonly podMatch: PodMatch | undefined;
  /** Whether the namespace has any Pod (for the wording of a Pod rule that matched none). */
  readonly hasPods: boolean;
  /** What the source Secrets' consent annotations say of this namespace; only asked when it is selected. */
  readonly refusals: readonly Refusal[];
}

export function explainNamespace(input: NamespaceCase): NamespaceExplanation {
  const { matcher, namespace, selection, podMatch, refusals } = input;
  const checks = matcher.checkNamespace(namespace);
  const matches: RuleMatch[] = [
    ...(checks.name ? [{ rule: checks.name.field }] : []),
    ...checks.selectors.filter((check) => check.failingTerm < 0).map((check) => ({ rule: check.rule.field })),
    ...(podMatch ? [{ rule: podMatch.rule.field, pod: podMatch.pod }] : []),
  ];
  const exclusion =
    selection.exclusion >= 0 ? { rule: `spec.target.excludeNamespaces[${selection.exclusion}]`, pattern: matcher.exclusions[selection.exclusion]! } : undefined;
  const mismatches = matches.length > 0 ? [] : whyNoRule(matcher, namespace, checks.selectors, input.hasPods);
  const verdict = selection.selected ? (refusals.length > 0 ? 'refused' : 'selected') : exclusion ? 'excluded' : 'unmatched';
  const parts = { verdict, matches, exclusion, refusals: selection.selected ? [...refusals] : [], mismatches } as const;
  // Keys in the schema's order: the JSON reads top-down as the table does.
  return { namespace: namespace.name, verdict, reason: summary(parts), matches, ...(exclusion ? { exclusion } : {}), refusals: parts.refusals, mismatches };
}

/**
 * Where spec.target.repositoryCredentials writes (extension): the verdict the render reaches there. `exists` is false
 * only for a namespace a live cluster lacks (the render skips it); the input manifests know too few namespaces.
 */
export function explainRepositoryCredentials(target: { readonly namespace: string; readonly entries: readonly string[] }, refusals: readonly Refusal[], exists: boolean): RepositoryCredentialsExplanation {
  const entries = target.entries.map((field) => field.replace(/^spec\.target\./, '')).join(', ');
  const [verdict, reason] =
    refusals.length > 0
      ? (['refused', `repository credentials (${entries}) refused by ${refusals.map((refusal) => `source ${refusal.source}: ${refusal.reason}`).join('; ')}`] as const)
      : !exists
        ? (['missing', `repository credentials (${entries}) skipped: the namespace does not exist`] as const)
        : (['written', `repository credentials (${entries}): one Secret per registry login`] as const);
  return { namespace: target.namespace, verdict, reason: oneLine(reason), entries: [...target.entries], refusals: [...refusals] };
}

/** A namespace that does not exist: listed by `names`, or asked for by name. */
export function explainMissing(matcher: TargetMatcher, name: string): NamespaceExplanation {
  const listed = matcher.checkNamespace({ name, labels: {}, annotations: {} }).name;
  const index = matcher.exclusion(name);
  const exclusion = index >= 0 ? { rule: `spec.target.excludeNamespaces[${index}]`, pattern: matcher.exclusions[index]! } : undefined;
  return {
    namespace: name,
    verdict: 'missing',
    reason: listed ? `${short(listed.field)} lists it, but the namespace does not exist` : 'the namespace does not exist',
    matches: listed ? [{ rule: listed.field }] : [],
    ...(exclusion ? { exclusion } : {}),
    refusals: [],
    mismatches: [],
  };
}

function whyNoRule(matcher: TargetMatcher, namespace: NamespaceFacts, selectors: readonly RuleCheck[], hasPods: boolean): Mismatch[] {
  const reasons: Mismatch[] = [];
  if (matcher.names.length > 0) reasons.push({ rule: 'spec.target.namespaces.names', reason: 'does not list it' });
  for (const { rule, failingTerm } of selectors) {
    const term = selectorTerm(rule.selector, failingTerm);
    if (term) reasons.push({ rule: rule.field, reason: termReason(rule, term, rule.reads === 'labels' ? namespace.labels : namespace.annotations) });
  }
  if (matcher.wantsPods) {
    reasons.push({
      rule: 'spec.target.namespacesWithPods',
      reason: hasPods ? "matches none of the namespace's Pods" : 'matches no Pod: the namespace has none',
    });
  }
  if (reasons.length === 0) reasons.push({ rule: 'spec.target', reason: 'has no namespaces or namespacesWithPods rule' });
  return reasons;
}

/** `matchExpressions[0] needs label istio.io/rev to exist, but the namespace has no such label`. The namespace's values are never shown. */
function termReason(rule: SelectorRule, term: SelectorTerm, map: Readonly<Record<string, string>>): string {
  const noun = rule.reads === 'labels' ? 'label' : 'annotation';
  const absent = `the namespace has no such ${noun}`;
  if (term.kind === 'match') {
    const present = hasKey(map, term.key);
    return `needs ${noun} ${term.key}=${shown(term.value)}, but ${present ? `the namespace's ${noun} ${term.key} has another value` : absent}`;
  }
  const { key, operator, values = [] } = term.requirement;
  const where = `matchExpressions[${term.index}]`;
  const list = `(${capped(values.map(shown), MAX_VALUES)})`;
  switch (operator) {
    case 'Exists':
      return `${where} needs ${noun} ${key} to exist, but ${absent}`;
    case 'DoesNotExist':
      return `${where} needs ${noun} ${key} to be absent, but the namespace has it`;
    case 'In':
      return `${where} needs ${noun} ${key} in ${list}, but ${hasKey(map, key) ? 'its value is none of them' : absent}`;
    case 'NotIn':
      return `${where} needs ${noun} ${key} not in ${list}, but its value is one of them`;
  }
}

/**
 * A value from the spec, as written when it is a short plain token (every label value is); an annotation value may be
 * any text, which a one-line table must not carry.
 */
function shown(value: string): string {
  if (value === '') return '""';
  return /^[A-Za-z0-9][A-Za-z0-9._\/:@+=-]{0,62}$/.test(value) ? value : `<a value of ${value.length} characters>`;
}

/** Field paths in a sentence, without the `spec.target.` every one of them starts with. */
const short = (field: string): string => field.replace(/^spec\.target\./, '');

function matchText(match: RuleMatch): string {
  return match.pod ? `${match.pod.kind} ${match.pod.namespace}/${match.pod.name} matching ${short(match.rule)}` : short(match.rule);
}

function summary(explanation: Pick<NamespaceExplanation, 'verdict' | 'matches' | 'exclusion' | 'refusals' | 'mismatches'>): string {
  const { matches, exclusion, refusals, mismatches } = explanation;
  const by = matches[0] ? `${matchText(matches[0])}${matches.length > 1 ? ` (and ${matches.length - 1} more)` : ''}` : 'a rule';
  switch (explanation.verdict) {
    case 'selected':
      return `selected by ${by}`;
    case 'refused':
      return `selected by ${by}, but refused: ${refusals.map((refusal) => `source ${refusal.source}: ${refusal.reason}`).join('; ')}`;
    case 'excluded':
      return `excluded by ${short(exclusion?.rule ?? '')} (${exclusion?.pattern ?? ''})${matches[0] ? `, which wins over ${by}` : ', and no rule matches it either'}`;
    case 'unmatched':
      return `no rule matches: ${upTo(mismatches.map((mismatch) => `${short(mismatch.rule)} ${mismatch.reason}`), MAX_SUMMARY)}`;
    case 'missing':
      return 'the namespace does not exist';
  }
}

/** Every text here is one line of the table and a schema `Text` (at most 4,096 characters): long lists are cut. */
const MAX_VALUES = 5;
const MAX_SUMMARY = 1000;

function capped(items: readonly string[], max: number): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** As many reasons as fit in about `max` characters, then how many more `mismatches` has. */
function upTo(reasons: readonly string[], max: number): string {
  let text = '';
  for (const [index, reason] of reasons.entries()) {
    const next = text === '' ? reason : `${text}; ${reason}`;
    if (index > 0 && next.length > max) return `${text}; and ${reasons.length - index} more (see mismatches)`;
    text = next;
  }
  return text;
}

/** A message from elsewhere (an API error) as one bounded line. */
export function oneLine(text: string, max = MAX_SUMMARY): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max)}...`;
}
