import { describe, expect, it } from 'vitest';
import { consentGaps, helmMembership, helmSteps, migrationReport } from '../../src/core/migration.js';
import { planSecrets } from '../../src/core/secret-plan.js';
import { impsSecret, input, secret } from './plan-builders.js';

describe('helmMembership', () => {
  it.each([
    ['release annotations', { annotations: { 'meta.helm.sh/release-name': 'imps', 'meta.helm.sh/release-namespace': 'imps-system' } }, { release: 'imps', namespace: 'imps-system', keep: false }],
    ['only the managed-by label: the instance label names the release', { labels: { 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/instance': 'imps' } }, { release: 'imps', namespace: undefined, keep: false }],
    ['a keep policy on the live object', { annotations: { 'meta.helm.sh/release-name': 'imps', 'helm.sh/resource-policy': 'keep' } }, { release: 'imps', namespace: undefined, keep: true }],
    ['another manager', { labels: { 'app.kubernetes.io/managed-by': 'argocd', 'app.kubernetes.io/instance': 'x' } }, undefined],
    ['nothing', {}, undefined],
  ])('%s', (_name, metadata, expected) => {
    expect(helmMembership(metadata)).toEqual(expected);
  });

  it('gives the steps that keep the object, release and namespace filled in', () => {
    const steps = helmSteps('default-imps', { release: 'imps', namespace: 'ops', keep: false });
    expect(steps[1]).toBe('helm upgrade imps <the IMPS chart, same version> -n ops -f imps-values.yaml --post-renderer ./keep-imagepullsecrets.sh   # adds helm.sh/resource-policy: keep to kind ImagePullSecret');
    expect(steps.some((step) => step.startsWith('helm uninstall imps -n ops'))).toBe(true);
  });
});

describe('consentGaps', () => {
  it('names each consent annotation a source lacks', () => {
    expect(consentGaps({})).toEqual(['imps-krm.io/allowed-image-pull-secrets', 'imps-krm.io/allowed-namespaces']);
    expect(consentGaps({ 'imps-krm.io/allowed-namespaces': '' })).toEqual(['imps-krm.io/allowed-image-pull-secrets']);
  });
});

describe('migrationReport', () => {
  it('sorts the plan into adopt, refuse, delete, create and keep, and is ready only without refusals, changes or Helm', () => {
    const plan = planSecrets(input(['a', 'b', 'c', 'd'], { secrets: [impsSecret('a'), secret('b', { labels: { app: 'x' }, ownerReferences: [] }), impsSecret('gone'), secret('d')] }));
    const report = migrationReport([{ name: 'web', specChanges: [], actions: plan.actions, current: plan.current }], []);
    const [entry] = report.imagePullSecrets;
    expect(entry).toMatchObject({
      adopt: [{ namespace: 'a', detail: 'written by IMPS' }],
      refuse: [{ namespace: 'b', reason: 'not-managed' }],
      delete: [{ namespace: 'gone', detail: 'IMPS would delete it: namespace no longer selected' }],
      create: [{ namespace: 'c' }],
      managed: [{ namespace: 'd', detail: "already imps-krm's" }],
    });
    expect(report.summary).toEqual({ adopt: 1, refuse: 1, delete: 1, create: 1, specChanges: 0, helmReleases: 0 });
    expect(report.ready).toBe(false);
    const clean = migrationReport([{ name: 'web', specChanges: [], actions: plan.actions.filter((action) => action.kind !== 'refuse'), current: [] }], []);
    expect(clean.ready).toBe(true);
    expect(migrationReport([{ name: 'web', specChanges: ['x'], actions: [], current: [] }], []).ready).toBe(false);
    expect(migrationReport([{ name: 'web', helm: { release: 'r', namespace: undefined, keep: false }, specChanges: [], actions: [], current: [] }], []).ready).toBe(false);
    expect(migrationReport([{ name: 'web', helm: { release: 'r', namespace: undefined, keep: true }, specChanges: [], actions: [], current: [] }], []).ready).toBe(true);
  });
});
