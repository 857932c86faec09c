// Fuzzing the selector and glob entry points directly, at the lengths the API server allows: an ImagePullSecret's
// target (names, label and annotation selectors, excludeNamespaces globs) is validated, compiled and matched against
// namespaces and Pods; a source's consent annotations (comma-separated globs) are parsed and matched. Nothing throws,
// and every evaluation finishes (the per-input hang bound of fuzz-run.ts: globs match in linear time).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateImps } from '../../src/app/select-inputs.js';
import { sourceConsent } from '../../src/core/consent.js';
import { compileTarget } from '../../src/core/targets.js';
import { FuzzStats, fuzz, testTimeout } from './fuzz-run.js';
import { fromSchema, loadSchema, mutated } from './schema-arbitrary.js';

const RUNS = 300;
const schema = loadSchema('image-pull-secret.schema.json');

/** The shapes that make a backtracking matcher slow: many stars and near misses, at the length limits. */
const glob = fc.oneof(
  fc.stringMatching(/^[a-z*?][a-z0-9*?-]{0,38}[a-z0-9*?]$/),
  fc.integer({ min: 1, max: 60 }).map((n) => `${'a*'.repeat(n)}b`),
  fc.integer({ min: 1, max: 120 }).map((n) => '*'.repeat(n)),
  fc.constantFrom('*', '?', '', ' ', 'team-*', 'a'.repeat(253)),
);
const name = fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,63}$/), fc.constantFrom('a'.repeat(63), `${'a'.repeat(62)}b`, 'kube-system'));
const labels = fc.dictionary(fc.constantFrom('team', 'env', 'app.kubernetes.io/name', 'a'.repeat(63)), fc.constantFrom('a', 'b', '', 'x'.repeat(63)), { maxKeys: 3 });
const selector = fc.record(
  {
    matchLabels: labels,
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({ key: fc.constantFrom('team', 'env'), operator: fc.constantFrom('In', 'NotIn'), values: fc.array(fc.constantFrom('a', 'b', ''), { minLength: 1, maxLength: 3 }) }),
        fc.record({ key: fc.constantFrom('team', 'env'), operator: fc.constantFrom('Exists', 'DoesNotExist') }),
      ),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: [] },
);
/** Mostly a valid target (so that matching runs), else one shaped by the schema and mutated. */
const target = fc.oneof(
  { weight: 3, arbitrary: fc.record({ namespaces: fc.record({ names: fc.array(name, { maxLength: 3 }), labels: fc.array(selector, { maxLength: 2 }), annotations: fc.array(selector.map(({ matchLabels, matchExpressions }) => ({ matchAnnotations: matchLabels, matchExpressions })), { maxLength: 1 }) }, { requiredKeys: [] }), namespacesWithPods: fc.record({ labels: fc.array(selector, { maxLength: 2 }) }, { requiredKeys: [] }), secret: fc.constant({ name: 'regcred' }) }, { requiredKeys: ['secret'] }) },
  { weight: 1, arbitrary: mutated(fromSchema({ $ref: '#/definitions/TargetConfig' }, schema)) },
).chain((value) => fc.array(glob, { maxLength: 4 }).map((globs) => (value && typeof value === 'object' && !Array.isArray(value) ? { ...value, excludeNamespaces: globs } : value)));

describe('fuzz: selectors and globs', () => {
  it('an ImagePullSecret target: validated, compiled, matched against namespaces and Pods', async () => {
    const stats = new FuzzStats('selectors-globs/target');
    const arbitrary = fc.record({ target, namespaces: fc.array(fc.record({ name, labels, annotations: labels }), { maxLength: 5 }) });
    await fuzz(
      stats,
      arbitrary,
      async ({ target: spec, namespaces }) => {
        const imps = { apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', metadata: { name: 'x' }, spec: { registry: { credentials: [{ name: 's', namespace: 'n' }] }, target: spec } };
        const started = performance.now();
        const validated = validateImps(imps);
        if (Array.isArray(validated)) {
          stats.record('refused', performance.now() - started);
          for (const problem of validated) expect(problem.message.includes('\n')).toBe(false);
          return;
        }
        const matcher = compileTarget(validated.imps.spec.target);
        for (const namespace of namespaces) {
          matcher.checkNamespace(namespace);
          matcher.excludes(namespace.name);
          matcher.matchesPod({ namespace: namespace.name, labels: namespace.labels, annotations: namespace.annotations });
        }
        stats.record('matched', performance.now() - started);
      },
      RUNS,
    );
  }, testTimeout(RUNS, 100));

  it('consent annotations: parsed and matched', async () => {
    const stats = new FuzzStats('selectors-globs/consent');
    const list = fc.array(glob, { maxLength: 6 }).chain((globs) => fc.constantFrom(', ', ',', ' , ', ',,').map((sep) => globs.join(sep)));
    const arbitrary = fc.record({
      annotations: fc.record(
        { 'imps-krm.io/allowed-projects': list, 'imps-krm.io/allowed-image-pull-secrets': list, 'imps-krm.io/allowed-namespaces': fc.oneof(list, fc.constant(7)) },
        { requiredKeys: [] },
      ),
      project: fc.option(name, { nil: undefined }),
      imagePullSecret: name,
      namespaces: fc.array(name, { maxLength: 5 }),
      requireConsent: fc.boolean(),
    });
    await fuzz(
      stats,
      arbitrary,
      async ({ annotations, ...context }) => {
        const started = performance.now();
        const decision = sourceConsent(annotations, { ...context, fromInput: false });
        stats.record(decision.denied ? 'denied' : 'allowed', performance.now() - started);
        for (const denial of decision.deniedNamespaces) expect(context.namespaces).toContain(denial.namespace);
      },
      RUNS,
    );
  }, testTimeout(RUNS, 100));
});
