import { describe, expect, it } from 'vitest';
import { isSeq, parseDocument, type YAMLSeq } from 'yaml';
import type { PullSecretManifest } from '../../core/render.js';
import { addPullSecret, dropGeneratorCopy, fileOf, freePath, isLocalConfig, itemsOf, mergeSecrets, type PatchKinds } from './items.js';
import { YAML_OPTIONS } from './resource-list.js';
import { snapshotItems, spliceItems } from './splice.js';

const secret = (namespace: string, name = 'regcred', owner = 'pull'): PullSecretManifest => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'imps-krm', 'imps-krm.io/owner': owner } },
  type: 'kubernetes.io/dockerconfigjson',
  data: { '.dockerconfigjson': 'e30=' },
});

function load(items: string) {
  const text = `items:\n${items}`;
  const doc = parseDocument(text);
  const seq = doc.get('items', true) as YAMLSeq;
  if (!isSeq(seq)) throw new Error('no items');
  return { text, doc, seq, out: () => doc.toString(YAML_OPTIONS) };
}

const ALL: ReadonlySet<PatchKinds> = new Set(['serviceAccounts', 'workloads']);

describe('addPullSecret', () => {
  it('appends to an existing list once, keeping entries and comments', () => {
    const { doc, seq, out } = load(`- apiVersion: v1
  kind: ServiceAccount
  metadata: {name: default, namespace: shop}
  imagePullSecrets:
  - name: mirror # keep
`);
    const [item] = itemsOf(seq);
    expect(addPullSecret(doc, item!, 'regcred', new Set(['shop']), ALL)).toBe(true);
    expect(addPullSecret(doc, itemsOf(seq)[0]!, 'regcred', new Set(['shop']), ALL)).toBe(false);
    expect(out()).toContain('  - name: mirror # keep\n  - name: regcred\n');
  });

  it('creates the list in the Pod spec of each workload kind', () => {
    const kinds: Array<[string, string, string]> = [
      ['v1', 'Pod', 'spec: {containers: []}'],
      ['apps/v1', 'Deployment', 'spec: {template: {spec: {containers: []}}}'],
      ['batch/v1', 'Job', 'spec: {template: {spec: {containers: []}}}'],
      ['batch/v1', 'CronJob', 'spec: {jobTemplate: {spec: {template: {spec: {containers: []}}}}}'],
    ];
    for (const [apiVersion, kind, spec] of kinds) {
      const { doc, seq } = load(`- apiVersion: ${apiVersion}\n  kind: ${kind}\n  metadata: {name: x, namespace: shop}\n  ${spec}\n`);
      const [item] = itemsOf(seq);
      expect(addPullSecret(doc, item!, 'regcred', new Set(['shop']), ALL), kind).toBe(true);
      const podSpec = kind === 'Pod' ? ['spec'] : kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template', 'spec'] : ['spec', 'template', 'spec'];
      expect(JSON.stringify(item!.node.getIn([...podSpec, 'imagePullSecrets']))).toBe('[{"name":"regcred"}]');
    }
  });

  it('leaves untargeted namespaces, kinds switched off, other groups and missing Pod specs alone', () => {
    const { doc, seq } = load(`- apiVersion: v1
  kind: ServiceAccount
  metadata: {name: a, namespace: blog}
- apiVersion: v1
  kind: ServiceAccount
  metadata: {name: b}
- apiVersion: example.com/v1
  kind: Deployment
  metadata: {name: c, namespace: shop}
  spec: {template: {spec: {}}}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: d, namespace: shop}
- apiVersion: v1
  kind: ServiceAccount
  metadata: {name: e, namespace: shop}
`);
    const items = itemsOf(seq);
    const only = new Set<PatchKinds>(['workloads']);
    expect(items.map((item) => addPullSecret(doc, item, 'regcred', new Set(['shop']), only))).toEqual([false, false, false, false, false]);
  });
});

describe('mergeSecrets', () => {
  it('replaces our earlier Secret in place, drops stale ones of the same owner, appends new ones with paths', () => {
    const { doc, seq } = load(`- apiVersion: v1
  kind: Secret
  metadata:
    name: regcred
    namespace: shop
    labels: {app.kubernetes.io/managed-by: imps-krm, imps-krm.io/owner: pull}
    annotations: {internal.config.kubernetes.io/path: kept.yaml, config.kubernetes.io/path: kept.yaml, example.com/x: dropped}
  data: {.dockerconfigjson: old}
- apiVersion: v1
  kind: Secret
  metadata:
    name: regcred
    namespace: gone
    labels: {app.kubernetes.io/managed-by: imps-krm, imps-krm.io/owner: pull}
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: squatter
    annotations: {config.kubernetes.io/path: blog/secret_regcred.yaml}
`);
    const first = seq.items[0];
    mergeSecrets(doc, seq, [secret('shop'), secret('blog')], new Set(['pull']));
    expect(seq.items[0]).toBe(first);
    const values = itemsOf(seq).map((item) => item.value as { kind: string; metadata: { namespace?: string; annotations?: Record<string, string> } });
    expect(values.map((value) => `${value.kind}/${value.metadata.namespace ?? ''}`)).toEqual(['Secret/shop', 'ConfigMap/', 'Secret/blog']);
    expect(values[0]!.metadata.annotations).toEqual({ 'internal.config.kubernetes.io/path': 'kept.yaml', 'config.kubernetes.io/path': 'kept.yaml' });
    expect(fileOf(values[2] as Record<string, unknown>)).toEqual({ path: 'blog/secret_regcred-2.yaml', index: 0 });
  });

  it('freePath follows kpt layout and avoids taken files', () => {
    expect(freePath(secret('shop'), new Set())).toBe('shop/secret_regcred.yaml');
    expect(freePath(secret('shop'), new Set(['shop/secret_regcred.yaml#0', 'shop/secret_regcred-2.yaml#0']))).toBe('shop/secret_regcred-3.yaml');
  });
});

describe('isLocalConfig and fileOf', () => {
  it('reads annotations the way kustomize and kpt do', () => {
    const withAnnotations = (annotations: Record<string, string>) => ({ metadata: { annotations } });
    expect(isLocalConfig(withAnnotations({ 'config.kubernetes.io/local-config': 'true' }))).toBe(true);
    expect(isLocalConfig(withAnnotations({ 'config.kubernetes.io/local-config': 'false' }))).toBe(false);
    expect(isLocalConfig(withAnnotations({}))).toBe(false);
    expect(fileOf(withAnnotations({ 'config.kubernetes.io/path': 'a.yaml', 'config.kubernetes.io/index': '2' }))).toEqual({ path: 'a.yaml', index: 2 });
    expect(fileOf(withAnnotations({}))).toBeUndefined();
  });
});

describe('spliceItems', () => {
  it('copies untouched items byte for byte, keeps the lead of edited ones, appends new ones', () => {
    const items = `- # first, kyaml style
  apiVersion: v1
  kind: ServiceAccount
  metadata: {name: default, namespace: shop}
# second
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: keep   # odd spacing stays
  data:
    motd: |
      hi
`;
    const { text, doc, seq } = load(items);
    const source = snapshotItems(text, seq)!;
    addPullSecret(doc, itemsOf(seq)[0]!, 'regcred', new Set(['shop']), ALL);
    mergeSecrets(doc, seq, [secret('shop')], new Set(['pull']));
    const out = spliceItems(source, seq.items, YAML_OPTIONS)!;
    expect(out.startsWith('items:\n- # first, kyaml style\n  apiVersion: v1\n')).toBe(true);
    expect(out).toContain('  imagePullSecrets:\n  - name: regcred\n# second\n');
    expect(out).toContain(`    name: keep   # odd spacing stays\n  data:\n    motd: |\n      hi\n- apiVersion: v1\n  kind: Secret\n`);
    expect(parseDocument(out).toJS()).toEqual(doc.toJS());
  });
});

describe('spliceItems with an indented list', () => {
  it('writes new and edited items at the list indentation', () => {
    const text = 'items:\n  - apiVersion: v1\n    kind: ServiceAccount\n    metadata:\n      name: default\n      namespace: shop\nfunctionConfig: {}\n';
    const doc = parseDocument(text);
    const seq = doc.get('items', true) as YAMLSeq;
    const source = snapshotItems(text, seq)!;
    addPullSecret(doc, itemsOf(seq)[0]!, 'regcred', new Set(['shop']), ALL);
    mergeSecrets(doc, seq, [secret('shop')], new Set(['pull']));
    const out = spliceItems(source, seq.items, YAML_OPTIONS)!;
    expect(parseDocument(out).toJS()).toEqual(doc.toJS());
    expect(out).toContain('      namespace: shop\n    imagePullSecrets:\n    - name: regcred\n  - apiVersion: v1\n    kind: Secret\n');
    expect(out.endsWith('functionConfig: {}\n')).toBe(true);
  });
});

describe('dropGeneratorCopy', () => {
  it("drops kustomize's local-config copy of the functionConfig, never an item with a path (kpt) or another one", () => {
    const { seq } = load(`- apiVersion: images.banzaicloud.io/v1alpha1
  kind: ImagePullSecret
  metadata: {name: pull, annotations: {config.kubernetes.io/local-config: "true"}}
- apiVersion: images.banzaicloud.io/v1alpha1
  kind: ImagePullSecret
  metadata: {name: pull, annotations: {config.kubernetes.io/local-config: "true", config.kubernetes.io/path: imps.yaml}}
- apiVersion: images.banzaicloud.io/v1alpha1
  kind: ImagePullSecret
  metadata: {name: other, annotations: {config.kubernetes.io/local-config: "true"}}
- apiVersion: images.banzaicloud.io/v1alpha1
  kind: ImagePullSecret
  metadata: {name: pull}
`);
    dropGeneratorCopy(seq, { apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', metadata: { name: 'pull' } });
    expect(itemsOf(seq).map(({ value }) => JSON.stringify((value['metadata'] as { name: string }).name) + String(fileOf(value)?.path))).toEqual([
      '"pull"imps.yaml',
      '"other"undefined',
      '"pull"undefined',
    ]);
  });
});
