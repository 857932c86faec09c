import { describe, expect, it } from 'vitest';
import type { PodFacts } from '../../src/core/facts.js';
import { compileTarget, selectNamespaces } from '../../src/core/targets.js';
import type { TargetConfig } from '../../src/generated/image-pull-secret.js';
import { namespaceFacts } from '../support/builders.js';

const ns = namespaceFacts;

// The seed README's "Rule evaluation logic" CR.
const seedTarget: TargetConfig = {
  namespaces: {
    annotations: [
      { matchAnnotations: { 'sidecar.istio.io/inject': 'true' } },
      { matchAnnotations: { 'backyards.banzaicloud.io/image-registry-access': 'true' } },
    ],
    labels: [{ matchExpressions: [{ key: 'istio.io/rev', operator: 'Exists' }] }],
    names: ['backyards-registry-access', 'backyards-system', 'backyards-canary', 'cert-manager', 'istio-system'],
  },
  namespacesWithPods: {
    annotations: [{ matchAnnotations: { 'sidecar.istio.io/inject': 'true' } }],
    labels: [{ matchExpressions: [{ key: 'istio.io/rev', operator: 'Exists' }] }],
  },
  secret: { name: 'istio-pull-secret' },
};

describe('selectNamespaces with the seed rule-evaluation example', () => {
  const namespaces = [
    ns('annotated', {}, { 'sidecar.istio.io/inject': 'true' }),
    ns('annotated-false', {}, { 'sidecar.istio.io/inject': 'false' }),
    ns('registry-access', {}, { 'backyards.banzaicloud.io/image-registry-access': 'true' }),
    ns('revisioned', { 'istio.io/rev': '1-20' }),
    ns('cert-manager'),
    ns('with-injected-pod'),
    ns('with-revision-pod'),
    ns('plain', { 'istio.io/other': 'x' }),
  ];
  const matcher = compileTarget(seedTarget);
  const pods: PodFacts[] = [
    { namespace: 'with-injected-pod', labels: {}, annotations: { 'sidecar.istio.io/inject': 'true' } },
    { namespace: 'with-revision-pod', labels: { 'istio.io/rev': 'x' }, annotations: {} },
    { namespace: 'plain', labels: { app: 'x' }, annotations: {} },
  ];
  const withPods = new Set(pods.filter((pod) => matcher.matchesPod(pod)).map((pod) => pod.namespace));

  it('selects a namespace when ANY rule matches, sorted', () => {
    expect(selectNamespaces(matcher, namespaces, withPods)).toEqual([
      'annotated',
      'cert-manager',
      'registry-access',
      'revisioned',
      'with-injected-pod',
      'with-revision-pod',
    ]);
  });

  it('lets exclusions win over every rule, names and pods included', () => {
    const excluding = compileTarget({ ...seedTarget, excludeNamespaces: ['cert-*', 'with-injected-pod', 'revision?d'] });
    expect(selectNamespaces(excluding, namespaces, withPods)).toEqual(['annotated', 'registry-access', 'with-revision-pod']);
  });

  it('only wants pods when a namespacesWithPods rule exists', () => {
    expect(matcher.wantsPods).toBe(true);
    expect(compileTarget({ secret: { name: 's' }, namespaces: { names: ['a'] } }).wantsPods).toBe(false);
  });

  it('selects nothing without rules, and everything with an empty selector', () => {
    expect(selectNamespaces(compileTarget({ secret: { name: 's' } }), namespaces, new Set())).toEqual([]);
    const all = compileTarget({ secret: { name: 's' }, namespaces: { labels: [{}] } });
    expect(selectNamespaces(all, namespaces, new Set())).toHaveLength(namespaces.length);
  });
});
