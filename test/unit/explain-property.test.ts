// explain's verdicts are derived from the matcher, never computed beside it. These properties would fail the day
// the two drift: explain against the render pipeline itself (the namespaces that receive a Secret), against
// selectNamespaces, and both against a reference written here from the spec's rules, unlike the implementation.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explainTargets } from '../../src/app/explain-targets.js';
import { runRenderPipeline } from '../../src/app/render-pipeline.js';
import type { NamespaceFacts, PodFacts } from '../../src/core/facts.js';
import { compileTarget, selectNamespaces } from '../../src/core/targets.js';
import type { NamespaceExplanation } from '../../src/generated/explanation.js';
import type { ImagePullSecret, SelectorRequirement, TargetConfig } from '../../src/generated/image-pull-secret.js';
import type { ClusterReader } from '../../src/ports/cluster.js';

const NAMES = ['a', 'b', 'ab', 'kube-a', 'ns-b', 'c-x'];
const KEYS = ['k1', 'k2', 'k3'];
const VALUES = ['1', '2', ''];
const PATTERNS = ['a', 'a*', 'kube-*', '?b', 'ns-b', 'ns-*', '*-x', 'zz*'];

const map = fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { maxKeys: 3 });
const requirement: fc.Arbitrary<SelectorRequirement> = fc.oneof(
  fc.record({ key: fc.constantFrom(...KEYS), operator: fc.constantFrom('In' as const, 'NotIn' as const), values: fc.array(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 2 }) }),
  fc.record({ key: fc.constantFrom(...KEYS), operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
);
const expressions = fc.option(fc.array(requirement, { maxLength: 2 }), { nil: undefined });
const labelSelector = fc.record({ matchLabels: fc.option(map, { nil: undefined }), matchExpressions: expressions }, { requiredKeys: [] });
const annotationSelector = fc.record({ matchAnnotations: fc.option(map, { nil: undefined }), matchExpressions: expressions }, { requiredKeys: [] });
const selectors = <T>(one: fc.Arbitrary<T>): fc.Arbitrary<T[] | undefined> => fc.option(fc.array(one, { maxLength: 2 }), { nil: undefined });

const target: fc.Arbitrary<TargetConfig> = fc.record({
  secret: fc.constant({ name: 'pull' }),
  namespaces: fc.option(
    fc.record({ names: fc.option(fc.array(fc.constantFrom(...NAMES), { maxLength: 2 }), { nil: undefined }), labels: selectors(labelSelector), annotations: selectors(annotationSelector) }),
    { nil: undefined },
  ),
  namespacesWithPods: fc.option(fc.record({ labels: selectors(labelSelector), annotations: selectors(annotationSelector) }), { nil: undefined }),
  excludeNamespaces: fc.option(fc.array(fc.constantFrom(...PATTERNS), { maxLength: 2 }), { nil: undefined }),
});
const namespaces: fc.Arbitrary<NamespaceFacts[]> = fc.uniqueArray(fc.record({ name: fc.constantFrom(...NAMES), labels: map, annotations: map }), {
  selector: (namespace) => namespace.name,
  maxLength: NAMES.length,
});
const pods: fc.Arbitrary<PodFacts[]> = fc.array(fc.record({ namespace: fc.constantFrom(...NAMES), labels: map, annotations: map }), { maxLength: 6 }).map((list) =>
  list.map((pod, index) => ({ ...pod, name: `pod-${index}` })),
);

const SOURCE = { namespace: 'creds', name: 'hub' };
function impsOf(spec: TargetConfig): ImagePullSecret {
  return { apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', metadata: { name: 'imps' }, spec: { registry: { credentials: [SOURCE] }, target: spec } };
}

/** The manifests standing for a cluster: a static source Secret, so the render needs no token. */
function clusterOf(list: readonly NamespaceFacts[], podList: readonly PodFacts[]): ClusterReader {
  const config = Buffer.from(JSON.stringify({ auths: { 'r.example': { username: 'u', password: 'p' } } })).toString('base64');
  return {
    description: 'test',
    isInput: true,
    listNamespaces: async () => [...list],
    scanPods: async (visit) => podList.forEach(visit),
    readSecret: async (namespace, name) =>
      namespace === SOURCE.namespace && name === SOURCE.name ? { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': config } } : undefined,
  };
}

// --- the reference: Kubernetes selector rules and globs spelled out one by one ---------------------------------------
type Pairs = Readonly<Record<string, string>>;
function termsHold(match: Pairs | undefined, exprs: readonly SelectorRequirement[] | undefined, object: Pairs): boolean[] {
  const keys = Object.keys(object);
  const pairs = Object.keys(match ?? {}).map((key) => keys.includes(key) && object[key] === match![key]);
  const requirements = (exprs ?? []).map((r) => {
    const present = keys.includes(r.key);
    if (r.operator === 'Exists') return present;
    if (r.operator === 'DoesNotExist') return !present;
    if (r.operator === 'In') return present && r.values!.includes(object[r.key]!);
    return !present || !r.values!.includes(object[r.key]!);
  });
  return [...pairs, ...requirements];
}
const globRegExp = (glob: string): RegExp => new RegExp(`^${glob.replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
interface RefRule {
  field: string;
  holds: (facts: { labels: Pairs; annotations: Pairs }) => boolean[];
}
function refRules(spec: TargetConfig, path: 'namespaces' | 'namespacesWithPods'): RefRule[] {
  const block = spec[path];
  return [
    ...(block?.labels ?? []).map((s, i) => ({ field: `spec.target.${path}.labels[${i}]`, holds: (f: { labels: Pairs }) => termsHold(s.matchLabels, s.matchExpressions, f.labels) })),
    ...(block?.annotations ?? []).map((s, i) => ({
      field: `spec.target.${path}.annotations[${i}]`,
      holds: (f: { annotations: Pairs }) => termsHold(s.matchAnnotations, s.matchExpressions, f.annotations),
    })),
  ];
}
const matches = (rule: RefRule, facts: { labels: Pairs; annotations: Pairs }): boolean => rule.holds(facts).every(Boolean);

interface Verdict {
  selected: boolean;
  exclusion: number;
  rules: string[];
  pod: { name: string; rule: string } | undefined;
}
function reference(spec: TargetConfig, namespace: NamespaceFacts, podList: readonly PodFacts[]): Verdict {
  const exclusion = (spec.excludeNamespaces ?? []).findIndex((pattern) => globRegExp(pattern).test(namespace.name));
  const nameIndex = (spec.namespaces?.names ?? []).indexOf(namespace.name);
  const rules = [
    ...(nameIndex >= 0 ? [`spec.target.namespaces.names[${nameIndex}]`] : []),
    ...refRules(spec, 'namespaces').filter((rule) => matches(rule, namespace)).map((rule) => rule.field),
  ];
  let pod: Verdict['pod'];
  for (const candidate of podList.filter((p) => p.namespace === namespace.name)) {
    const rule = refRules(spec, 'namespacesWithPods').find((r) => matches(r, candidate));
    if (rule) {
      pod = { name: candidate.name!, rule: rule.field };
      break;
    }
  }
  return { selected: exclusion < 0 && (rules.length > 0 || pod !== undefined), exclusion, rules, pod };
}

describe('explain agrees with the matcher and the render', () => {
  it('for random specs, namespaces and Pods: same verdicts as the render pipeline, selectNamespaces and the reference', async () => {
    await fc.assert(
      fc.asyncProperty(target, namespaces, pods, async (spec, nsList, podList) => {
        const imps = impsOf(spec);
        const cluster = clusterOf(nsList, podList);
        const [explained] = await explainTargets([{ imps }], cluster, { all: true });
        const rendered = await runRenderPipeline([{ imps }], { cluster, tokens: { fetchToken: () => Promise.reject(new Error('no token')) } });
        const matcher = compileTarget(spec);
        const withPods = new Set(podList.filter((pod) => matcher.matchesPod(pod)).map((pod) => pod.namespace));
        const selectedByMatcher = selectNamespaces(matcher, nsList, withPods);

        const byName = new Map<string, NamespaceExplanation>(explained!.namespaces.map((entry) => [entry.namespace, entry]));
        const selectedByExplain = explained!.namespaces.filter((entry) => entry.verdict === 'selected').map((entry) => entry.namespace);
        expect(selectedByExplain).toEqual(selectedByMatcher);
        expect(selectedByExplain).toEqual(rendered.outcomes[0]!.namespaces);

        for (const namespace of nsList) {
          const entry = byName.get(namespace.name)!;
          const ref = reference(spec, namespace, podList);
          expect(entry.verdict === 'selected', namespace.name).toBe(ref.selected);
          expect(entry.verdict).toBe(ref.selected ? 'selected' : ref.exclusion >= 0 ? 'excluded' : 'unmatched');
          expect(entry.exclusion?.rule).toBe(ref.exclusion >= 0 ? `spec.target.excludeNamespaces[${ref.exclusion}]` : undefined);
          expect(entry.matches.filter((match) => !match.pod).map((match) => match.rule)).toEqual(ref.rules);
          const podMatch = entry.matches.find((match) => match.pod);
          expect(podMatch && { name: podMatch.pod!.name, rule: podMatch.rule }).toEqual(ref.pod);
          expect(entry.mismatches.length > 0).toBe(entry.matches.length === 0);
        }
      }),
      { numRuns: 800 },
    );
  });

  it('for random specs and namespaces: each mismatch names the first term of its selector that does not hold', async () => {
    await fc.assert(
      fc.asyncProperty(target, namespaces, async (spec, nsList) => {
        const [explained] = await explainTargets([{ imps: impsOf(spec) }], clusterOf(nsList, []), { all: true });
        for (const entry of explained!.namespaces.filter((e) => e.verdict === 'unmatched')) {
          const namespace = nsList.find((n) => n.name === entry.namespace)!;
          const rules = refRules(spec, 'namespaces');
          const reported = entry.mismatches.filter((m) => m.rule.endsWith(']'));
          expect(reported.map((m) => m.rule)).toEqual(rules.map((r) => r.field));
          reported.forEach((mismatch, index) => {
            const failing = rules[index]!.holds(namespace).indexOf(false);
            expect(failing).toBeGreaterThanOrEqual(0);
            const spelled = spelledTerm(spec, mismatch.rule, failing);
            expect(mismatch.reason, mismatch.rule).toContain(spelled);
          });
        }
      }),
      { numRuns: 600 },
    );
  });
});

/** How a reason names term `index` of the selector at `field`: `k1=2` for a pair, `matchExpressions[i] needs ... k1`. */
function spelledTerm(spec: TargetConfig, field: string, index: number): string {
  const [, kind, i] = /\.(labels|annotations)\[(\d+)\]$/.exec(field)!;
  const selector = spec.namespaces![kind as 'labels' | 'annotations']![Number(i)]!;
  const pairs = Object.entries(('matchLabels' in selector ? selector.matchLabels : (selector as { matchAnnotations?: Pairs }).matchAnnotations) ?? {});
  if (index < pairs.length) return `${pairs[index]![0]}=${pairs[index]![1] === '' ? '""' : pairs[index]![1]}`;
  const requirement = selector.matchExpressions![index - pairs.length]!;
  return `matchExpressions[${index - pairs.length}] needs ${kind === 'labels' ? 'label' : 'annotation'} ${requirement.key}`;
}
