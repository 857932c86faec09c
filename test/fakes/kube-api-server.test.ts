// Proves the fake apiserver against the real @kubernetes/client-node 1.4 and
// raw HTTP.
//
// client-node 1.4 notes (learned from its dist/ code, relied on below):
// - Headers per call: `setHeaderOptions(key, value, opts?)` is exported from the
//   package root. It returns ConfigurationOptions holding a middleware that
//   overrides the header after the generated code set its own, and is passed
//   as the last argument of any typed call:
//     core.listPodForAllNamespaces({ limit: 500 }, setHeaderOptions('Accept', PARTIAL_LIST))
//   The typed result is still deserialized as V1PodList, but `kind` survives
//   ('PartialObjectMetadataList') and items keep only `metadata`.
// - Patch methods default to Content-Type application/json-patch+json (the
//   first of the generated list). Merge patch / server-side apply need
//   setHeaderOptions('Content-Type', PatchStrategy.MergePatch | PatchStrategy.ServerSideApply);
//   the body is JSON-serialized either way (JSON is valid YAML, so SSA works).
// - Errors: non-2xx rejects with ApiException<string>: `code` = HTTP status,
//   `body` = the raw response TEXT (JSON.parse it to get the Status),
//   `headers` = lower-cased response headers (e.g. headers['retry-after']),
//   message "HTTP-Code: 404\nMessage: Unknown API Status Code!\nBody: ...".
//   A 401 has body undefined. There is no retry of any kind.
// - Watch: any non-200 calls done(err) with err.statusCode; a 410 on a watch
//   arrives as a 200 stream with one ERROR event carrying a Status (code 410).
//   Informers (ListWatch) re-list on that, and restart the watch with the last
//   resourceVersion when a stream ends cleanly; a stream that errors (socket
//   destroyed) stops the informer and calls its 'error' callbacks instead.
// - Every typed call builds a new http(s).Agent, so there is no keep-alive
//   between calls; http:// servers need insecure-skip-tls-verify in the kubeconfig.

import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdmissionReview, type FakeKubeApi, generatedCounts, type KubeObject, startFakeKubeApi } from './kube-api-server.js';
import { waitFor } from '../support/wait-for.js';

const PARTIAL_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

function client(fake: FakeKubeApi): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(fake.kubeconfigPath);
  return kc;
}

async function apiError(p: Promise<unknown>): Promise<ApiException<string>> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) return e as ApiException<string>;
    throw e;
  }
  throw new Error('expected the call to fail');
}

function statusOf(e: ApiException<string>): Record<string, unknown> {
  return JSON.parse(e.body) as Record<string, unknown>;
}

async function raw(fake: FakeKubeApi, path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(fake.url + path, { ...init, headers: { Authorization: 'Bearer fake-token', ...init.headers } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

type WatchEvent = { type: string; object: Record<string, unknown> };

/** Reads newline-delimited watch events from a raw fetch until `until` holds (a number: that many events) or the stream ends. */
async function rawWatch(fake: FakeKubeApi, path: string, until: number | ((events: WatchEvent[]) => boolean), headers: Record<string, string> = {}, during?: () => void): Promise<WatchEvent[]> {
  const enough = typeof until === 'number' ? (ev: WatchEvent[]) => ev.length >= until : until;
  const ac = new AbortController();
  const res = await fetch(fake.url + path, { headers: { Authorization: 'Bearer fake-token', ...headers }, signal: ac.signal });
  expect(res.status).toBe(200);
  const events: WatchEvent[] = [];
  const reader = res.body?.getReader();
  if (!reader) throw new Error('no body');
  const decoder = new TextDecoder();
  let buf = '';
  during?.();
  try {
    while (!enough(events)) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        events.push(JSON.parse(buf.slice(0, nl)) as WatchEvent);
        buf = buf.slice(nl + 1);
      }
    }
  } finally {
    ac.abort();
  }
  return events;
}

const ns = (name: string, labels?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels ? { labels } : {}) } });
const imps = (name: string): KubeObject => ({
  apiVersion: 'images.banzaicloud.io/v1alpha1',
  kind: 'ImagePullSecret',
  metadata: { name },
  spec: { registry: { credentials: [{ name: 'src', namespace: 'default' }] }, target: { secret: { name: 'pull' } } },
});

describe('fake kube-apiserver with @kubernetes/client-node', () => {
  let fake: FakeKubeApi;
  let kc: KubeConfig;
  let core: CoreV1Api;

  beforeAll(async () => {
    fake = await startFakeKubeApi({
      generate: { namespaces: 25, podsPerNamespace: 2 },
      objects: [ns('default'), imps('registry-a')],
    });
    kc = client(fake);
    core = kc.makeApiClient(CoreV1Api);
  });
  afterAll(async () => {
    await fake.close();
  });

  it('writes a kubeconfig with context fake, token fake-token', async () => {
    expect(kc.getCurrentContext()).toBe('fake');
    expect(kc.getCurrentUser()?.token).toBe('fake-token');
    expect(kc.getCurrentCluster()?.server).toBe(fake.url);
    const other = new KubeConfig();
    other.loadFromFile(fake.writeKubeconfig(`${fake.kubeconfigPath}.d`, { contextName: 'other', namespace: 'ns-00001' }));
    expect(other.getCurrentContext()).toBe('other');
    expect(other.getContextObject('other')?.namespace).toBe('ns-00001');
  });

  it('pages listNamespace with limit/continue in namespace-name order', async () => {
    const names: string[] = [];
    const remaining: (number | undefined)[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = await core.listNamespace({ limit: 10, ...(cont ? { _continue: cont } : {}) });
      names.push(...page.items.map((n) => n.metadata?.name ?? ''));
      remaining.push(page.metadata?.remainingItemCount);
      expect(page.metadata?.resourceVersion).toMatch(/^\d+$/);
      cont = page.metadata?._continue;
      pages++;
    } while (cont);
    expect(pages).toBe(3);
    expect(names).toHaveLength(26);
    expect(names).toEqual([...names].sort());
    expect(names[0]).toBe('default');
    expect(remaining).toEqual([16, 6, undefined]);
  });

  it('serves PartialObjectMetadataList when asked through setHeaderOptions', async () => {
    const list = await core.listPodForAllNamespaces({ limit: 20 }, setHeaderOptions('Accept', PARTIAL_LIST));
    expect(list.kind).toBe('PartialObjectMetadataList');
    expect(list.apiVersion).toBe('meta.k8s.io/v1');
    expect(list.items).toHaveLength(20);
    const first = list.items[0];
    expect(first?.metadata?.name).toBe('pod-000');
    expect(first?.metadata?.namespace).toBe('ns-00000');
    expect(first?.metadata?.labels).toEqual({ app: 'app-0', team: 'alpha' });
    expect(first?.spec).toBeUndefined();
    expect(fake.requests.at(-1)?.accept).toBe(PARTIAL_LIST);
  });

  it('filters with label and field selectors', async () => {
    const counts = generatedCounts({ namespaces: 25, podsPerNamespace: 2 });
    const rev = await core.listNamespace({ labelSelector: 'istio.io/rev' });
    expect(rev.items).toHaveLength(counts.namespacesWithIstioRev);
    const notRev = await core.listNamespace({ labelSelector: '!istio.io/rev,team' });
    expect(notRev.items).toHaveLength(25 - counts.namespacesWithIstioRev);
    const teams = await core.listNamespace({ labelSelector: 'team in (alpha, beta),env!=prod' });
    expect(teams.items.map((n) => n.metadata?.name)).toEqual(['ns-00001', 'ns-00004', 'ns-00005', 'ns-00008', 'ns-00013', 'ns-00016', 'ns-00017', 'ns-00020']);
    const notin = await core.listNamespace({ labelSelector: 'team notin (alpha,beta,gamma)' });
    expect(notin.items.map((n) => n.metadata?.name)).toContain('default'); // no team label at all
    const byName = await core.listPodForAllNamespaces({ fieldSelector: 'metadata.namespace=ns-00003,metadata.name!=pod-000' });
    expect(byName.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)).toEqual(['ns-00003/pod-001']);
    const bad = await apiError(core.listNamespace({ fieldSelector: 'spec.bogus=1' }));
    expect(bad.code).toBe(400);
  });

  it('answers a missing secret with 404 ApiException carrying a Status body', async () => {
    const e = await apiError(core.readNamespacedSecret({ name: 'nope', namespace: 'default' }));
    expect(e.code).toBe(404);
    expect(statusOf(e)).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'secrets "nope" not found' });
  });

  it('creates, replaces and patches secrets (merge, JSON patch, server-side apply)', async () => {
    const created = await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 's1', labels: { a: '1' } }, stringData: { k: 'v' }, type: 'Opaque' } });
    expect(created.kind).toBe('Secret');
    expect(created.apiVersion).toBe('v1');
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    // Secrets keep no generation (only types whose strategy tracks one, like custom resources, do).
    expect(created.metadata?.generation).toBeUndefined();
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    const dup = await apiError(core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 's1' } } }));
    expect([dup.code, statusOf(dup).reason]).toEqual([409, 'AlreadyExists']);
    const noNs = await apiError(core.createNamespacedSecret({ namespace: 'missing', body: { metadata: { name: 's1' } } }));
    expect([noNs.code, statusOf(noNs).message]).toEqual([404, 'namespaces "missing" not found']);

    const replaced = await core.replaceNamespacedSecret({ name: 's1', namespace: 'default', body: { ...created, data: { k: 'dmFsdWU=' } } });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));
    const stale = await apiError(core.replaceNamespacedSecret({ name: 's1', namespace: 'default', body: created }));
    expect([stale.code, statusOf(stale).reason]).toEqual([409, 'Conflict']);

    const merged = await core.patchNamespacedSecret(
      { name: 's1', namespace: 'default', body: { metadata: { labels: { b: '2', a: null } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.metadata?.labels).toEqual({ b: '2' });
    expect(fake.requests.at(-1)?.contentType).toBe('application/merge-patch+json');

    // The generated default Content-Type is JSON patch.
    const jp = await core.patchNamespacedSecret({ name: 's1', namespace: 'default', body: [{ op: 'add', path: '/metadata/labels/c', value: '3' }, { op: 'remove', path: '/metadata/labels/b' }] });
    expect(jp.metadata?.labels).toEqual({ c: '3' });

    const noManager = await apiError(
      core.patchNamespacedSecret({ name: 's2', namespace: 'default', body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's2' } } }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply)),
    );
    expect(noManager.code).toBe(400);
    const applied = await core.patchNamespacedSecret(
      { name: 's2', namespace: 'default', fieldManager: 'imps-krm', body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's2', labels: { x: 'y' } }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': 'e30=' } } },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    expect(applied.type).toBe('kubernetes.io/dockerconfigjson');
    const reapplied = await core.patchNamespacedSecret(
      { name: 's2', namespace: 'default', fieldManager: 'imps-krm', force: true, body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's2', annotations: { n: 'm' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    expect(reapplied.metadata?.labels).toEqual({ x: 'y' });
    expect(reapplied.metadata?.annotations).toEqual({ n: 'm' });
    expect(fake.requests.at(-1)?.query).toMatchObject({ fieldManager: 'imps-krm', force: 'true' });
    // A no-op apply keeps the resourceVersion, like the real server.
    const again = await core.patchNamespacedSecret(
      { name: 's2', namespace: 'default', fieldManager: 'imps-krm', body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's2', annotations: { n: 'm' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    expect(again.metadata?.resourceVersion).toBe(reapplied.metadata?.resourceVersion);

    const del = await core.deleteNamespacedSecret({ name: 's2', namespace: 'default' });
    expect(del.status).toBe('Success');
    expect((await apiError(core.deleteNamespacedSecret({ name: 's2', namespace: 'default' }))).code).toBe(404);
    expect(fake.get('v1', 'Secret', 's2', 'default')).toBeUndefined();
  });

  it('streams ADDED/MODIFIED/DELETED to a client-node Watch', async () => {
    const events: string[] = [];
    let doneErr: unknown = 'not done';
    const ctl = await new Watch(kc).watch(
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: fake.resourceVersion() },
      (type, obj: { metadata?: { name?: string } }) => events.push(`${type} ${obj.metadata?.name}`),
      (err) => {
        doneErr = err;
      },
    );
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w1' }, data: { a: '1' } } });
    fake.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w1', namespace: 'default' }, data: { a: '2' } });
    fake.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'elsewhere', namespace: 'ns-00001' } });
    fake.remove('v1', 'ConfigMap', 'w1', 'default');
    await waitFor(() => events.length >= 3, 'watch events');
    expect(events).toEqual(['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
    ctl.abort();
    await waitFor(() => doneErr !== 'not done', 'done callback');
    await waitFor(() => fake.openWatches() === 0, 'server-side watch cleanup');
  });

  it('feeds an informer that lists, watches, survives dropped watches and re-lists after 410', async () => {
    const path = '/api/v1/namespaces/ns-00002/configmaps';
    fake.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pre', namespace: 'ns-00002' } });
    const informer = makeInformer<V1ConfigMap>(kc, path, () => core.listNamespacedConfigMap({ namespace: 'ns-00002' }));
    const seen: string[] = [];
    const errors: unknown[] = [];
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    informer.on('error', (e) => errors.push(e));
    fake.resetRequests();
    await informer.start();
    try {
      expect(seen).toEqual(['add pre']);
      expect(fake.requests.map((r) => `${r.method} ${r.path} watch=${r.query.watch ?? ''}`)).toEqual([`GET ${path} watch=`, `GET ${path} watch=true`]);
      fake.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'live', namespace: 'ns-00002' } });
      fake.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pre', namespace: 'ns-00002' }, data: { v: '2' } });
      await waitFor(() => seen.length >= 3, 'informer events');
      expect(seen).toEqual(['add pre', 'add live', 'update pre']);
      expect(informer.list()).toHaveLength(2);

      // Clean end of the stream: the informer re-watches from its last resourceVersion.
      fake.resetRequests();
      fake.closeWatches();
      await waitFor(() => fake.openWatches() === 1, 'informer re-watch');
      expect(fake.requests.at(-1)?.query.resourceVersion).toBe(fake.get('v1', 'ConfigMap', 'pre', 'ns-00002')?.metadata.resourceVersion); // its last event
      fake.remove('v1', 'ConfigMap', 'live', 'ns-00002');
      await waitFor(() => seen.length >= 4, 'delete after re-watch');
      expect(seen.at(-1)).toBe('delete live');

      // History gone: the re-watch gets an ERROR 410 event and the informer re-lists.
      // A write elsewhere moves the store past the informer's resourceVersion,
      // so compaction leaves the informer behind.
      fake.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: 'ns-00001' } });
      fake.compactHistory();
      fake.resetRequests();
      fake.closeWatches();
      // No watch is open until the informer reconnects: only a re-list can see this.
      fake.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-compaction', namespace: 'ns-00002' } });
      await waitFor(() => seen.includes('add after-compaction'), 'relist after 410');
      // The event comes from the re-list; the informer opens its new watch right after (slower on a busy machine).
      await waitFor(() => fake.openWatches() === 1, 're-watch after the re-list');
      expect(fake.requests.map((r) => (r.query.watch ? `watch rv=${r.query.resourceVersion}` : 'list'))).toEqual([
        `watch rv=${fake.requests[0]?.query.resourceVersion}`,
        'list',
        `watch rv=${fake.resourceVersion()}`,
      ]);
      expect(Number(fake.requests[0]?.query.resourceVersion)).toBeLessThan(Number(fake.resourceVersion()) - 1);
      expect(informer.list().map((c) => c.metadata?.name).sort()).toEqual(['after-compaction', 'pre']);
      expect(errors).toEqual([]);
    } finally {
      await informer.stop();
    }
  });

  it('drops the watch with a network error when asked (informer reports an error)', async () => {
    const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/ns-00003/configmaps', () => core.listNamespacedConfigMap({ namespace: 'ns-00003' }));
    const errors: unknown[] = [];
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    fake.closeWatches({ abrupt: true });
    await waitFor(() => errors.length > 0, 'informer error');
    await informer.stop();
  });

  it('serves imagepullsecrets through CustomObjectsApi with a /status subresource', async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const gvp = { group: 'images.banzaicloud.io', version: 'v1alpha1', plural: 'imagepullsecrets' };
    const got = (await custom.getClusterCustomObject({ ...gvp, name: 'registry-a' })) as KubeObject;
    expect(got.kind).toBe('ImagePullSecret');
    expect(got.metadata.namespace).toBeUndefined();
    const withStatus = (await custom.replaceClusterCustomObjectStatus({
      ...gvp,
      name: 'registry-a',
      body: { ...got, spec: { changed: 'ignored' }, status: { status: 'Ready', observedGeneration: 1 } },
    })) as KubeObject;
    expect(withStatus.status).toEqual({ status: 'Ready', observedGeneration: 1 });
    expect(withStatus.spec).toEqual(got.spec); // status writes never touch spec
    expect(withStatus.metadata.generation).toBe(1);

    // The main resource ignores status, and bumps generation on spec changes only.
    const replaced = (await custom.replaceClusterCustomObject({ ...gvp, name: 'registry-a', body: { ...withStatus, spec: { ...(got.spec as object), target: { secret: { name: 'other' } } }, status: { status: 'Failed' } } })) as KubeObject;
    expect(replaced.status).toEqual({ status: 'Ready', observedGeneration: 1 });
    expect(replaced.metadata.generation).toBe(2);
    const relabelled = (await custom.patchClusterCustomObject(
      { ...gvp, name: 'registry-a', body: { metadata: { labels: { l: 'v' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as KubeObject;
    expect(relabelled.metadata.generation).toBe(2);
    expect(relabelled.metadata.labels).toEqual({ l: 'v' });
    const patchedStatus = (await custom.patchClusterCustomObjectStatus(
      { ...gvp, name: 'registry-a', body: { status: { status: 'Failed', reason: 'x' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as KubeObject;
    expect(patchedStatus.status).toEqual({ status: 'Failed', reason: 'x', observedGeneration: 1 });
    expect((await apiError(custom.getClusterCustomObject({ ...gvp, name: 'nope' }))).code).toBe(404);
    const list = (await custom.listClusterCustomObject({ ...gvp })) as { kind: string; items: KubeObject[] };
    expect(list.kind).toBe('ImagePullSecretList');
    expect(list.items.map((i) => i.metadata.name)).toEqual(['registry-a']);
  });

  it('works with KubernetesObjectApi (discovery) and CoordinationV1Api (leases)', async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const spec: V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'generic', namespace: 'default' } };
    const cm = await objects.create(spec);
    expect(cm.metadata?.uid).toBeDefined();
    const read = await objects.read({ apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', metadata: { name: 'registry-a' } });
    expect(read.kind).toBe('ImagePullSecret');
    const applied = await objects.patch(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'generic', namespace: 'default' }, data: { k: 'v' } } as KubeObject,
      undefined,
      undefined,
      'imps-krm',
      true,
      PatchStrategy.ServerSideApply,
    );
    expect((applied as KubeObject).data).toEqual({ k: 'v' });
    expect(fake.requests.some((r) => r.path === '/apis/images.banzaicloud.io/v1alpha1')).toBe(true);

    const coord = kc.makeApiClient(CoordinationV1Api);
    const lease = await coord.createNamespacedLease({ namespace: 'default', body: { metadata: { name: 'leader' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } } });
    const renewed = await coord.replaceNamespacedLease({ name: 'leader', namespace: 'default', body: { ...lease, spec: { ...lease.spec, holderIdentity: 'b' } } });
    expect(renewed.spec?.holderIdentity).toBe('b');
    expect(renewed.metadata?.generation).toBeUndefined();
    const lost = await apiError(coord.replaceNamespacedLease({ name: 'leader', namespace: 'default', body: lease }));
    expect(lost.code).toBe(409);
  });

  it('injects faults: a 500 once, then success; 429 with Retry-After visible to the client', async () => {
    fake.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'flaky', namespace: 'default' } });
    fake.inject({ match: (r) => r.path.endsWith('/secrets/flaky'), status: 500 });
    const e500 = await apiError(core.readNamespacedSecret({ name: 'flaky', namespace: 'default' }));
    expect([e500.code, statusOf(e500).reason]).toEqual([500, 'InternalError']);
    expect((await core.readNamespacedSecret({ name: 'flaky', namespace: 'default' })).metadata?.name).toBe('flaky');

    fake.inject({ match: (r) => r.method === 'GET' && r.path === '/api/v1/namespaces', status: 429, retryAfterSeconds: 7, times: 2 });
    for (let i = 0; i < 2; i++) {
      const e429 = await apiError(core.listNamespace());
      expect(e429.code).toBe(429);
      expect(e429.headers['retry-after']).toBe('7');
      expect(statusOf(e429)).toMatchObject({ reason: 'TooManyRequests', details: { retryAfterSeconds: 7 } });
    }
    expect((await core.listNamespace({ limit: 1 })).items).toHaveLength(1);

    fake.inject({ match: (r) => r.path.endsWith('/secrets/flaky'), status: 0, dropConnection: true });
    await expect(core.readNamespacedSecret({ name: 'flaky', namespace: 'default' })).rejects.toThrow(/socket hang up|ECONNRESET/);
    fake.inject({ match: (r) => r.path.endsWith('/secrets/flaky'), status: 0, delayMs: 150 });
    const t0 = Date.now();
    await core.readNamespacedSecret({ name: 'flaky', namespace: 'default' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('answers a watch from a compacted resourceVersion with an ERROR 410 Expired event', async () => {
    const old = fake.resourceVersion();
    fake.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bump', namespace: 'default' } });
    fake.compactHistory();
    const events: { type: string; obj: Record<string, unknown> }[] = [];
    let done = false;
    await new Watch(kc).watch(
      '/api/v1/namespaces/default/secrets',
      { resourceVersion: old },
      (type, obj: Record<string, unknown>) => events.push({ type, obj }),
      () => {
        done = true;
      },
    );
    await waitFor(() => done, 'watch to end');
    expect(events).toHaveLength(1);
    expect(events[0]?.type).toBe('ERROR');
    expect(events[0]?.obj).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    const listErr = await apiError(core.listNamespacedSecret({ namespace: 'default', resourceVersion: old, resourceVersionMatch: 'Exact' }));
    expect([listErr.code, statusOf(listErr).reason]).toEqual([410, 'Expired']);
  });
});

describe('fake kube-apiserver over raw HTTP', () => {
  let fake: FakeKubeApi;
  beforeAll(async () => {
    fake = await startFakeKubeApi({ objects: [ns('a', { team: 'x' }), ns('b')], bookmarkIntervalMs: 50 });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('requires the bearer token (but not for /version and health)', async () => {
    const res = await fetch(`${fake.url}/api/v1/namespaces`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect((await raw(fake, '/api/v1/namespaces', { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${fake.url}/version`)).status).toBe(200);
  });

  it('serves discovery', async () => {
    expect((await raw(fake, '/api')).json).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const core = (await raw(fake, '/api/v1')).json as { resources: { name: string; namespaced: boolean }[] };
    expect(core.resources.map((r) => r.name)).toEqual(expect.arrayContaining(['namespaces', 'pods', 'secrets', 'serviceaccounts', 'events', 'configmaps', 'namespaces/status']));
    const groups = (await raw(fake, '/apis')).json as { groups: { name: string; preferredVersion: { groupVersion: string } }[] };
    expect(groups.groups.map((g) => g.preferredVersion.groupVersion)).toEqual([
      'coordination.k8s.io/v1',
      'events.k8s.io/v1',
      'images.banzaicloud.io/v1alpha1',
      'msi-acrpull.microsoft.com/v1beta1',
      'acrpull.microsoft.com/v1beta2',
      'apiextensions.k8s.io/v1',
    ]);
    const impsList = (await raw(fake, '/apis/images.banzaicloud.io/v1alpha1')).json;
    expect(impsList).toMatchObject({
      kind: 'APIResourceList',
      groupVersion: 'images.banzaicloud.io/v1alpha1',
      resources: [
        { name: 'imagepullsecrets', namespaced: false, kind: 'ImagePullSecret' },
        { name: 'imagepullsecrets/status', kind: 'ImagePullSecret' },
      ],
    });
    expect((await raw(fake, '/apis/nope.example.com/v1')).status).toBe(404);
    expect((await raw(fake, '/api/v1/widgets')).status).toBe(404);
  });

  it('records requests', async () => {
    fake.resetRequests();
    await raw(fake, '/api/v1/namespaces/a/configmaps?limit=5', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ metadata: { name: 'r' } }) });
    expect(fake.requests).toEqual([
      { method: 'POST', path: '/api/v1/namespaces/a/configmaps', query: { limit: '5' }, accept: 'application/json', contentType: 'application/json', body: { metadata: { name: 'r' } } },
    ]);
  });

  it('applies YAML server-side-apply bodies and JSON patches, and rejects unknown patch types', async () => {
    const path = '/api/v1/namespaces/a/configmaps/yaml-cm';
    const applied = await raw(fake, `${path}?fieldManager=m`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml-cm\ndata:\n  k: v\n',
    });
    expect(applied.status).toBe(201);
    expect(applied.json).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'yaml-cm', namespace: 'a' }, data: { k: 'v' } });
    const test = await raw(fake, path, { method: 'PATCH', headers: { 'Content-Type': 'application/json-patch+json' }, body: JSON.stringify([{ op: 'test', path: '/data/k', value: 'other' }]) });
    expect(test.status).toBe(422);
    const rep = await raw(fake, path, { method: 'PATCH', headers: { 'Content-Type': 'application/json-patch+json' }, body: JSON.stringify([{ op: 'replace', path: '/data/k', value: 'w' }]) });
    expect(rep.json.data).toEqual({ k: 'w' });
    const strategic = await raw(fake, path, { method: 'PATCH', headers: { 'Content-Type': 'application/strategic-merge-patch+json' }, body: JSON.stringify({ data: { z: '1' } }) });
    expect(strategic.json.data).toEqual({ k: 'w', z: '1' });
    expect((await raw(fake, path, { method: 'PATCH', headers: { 'Content-Type': 'text/plain' }, body: 'x' })).status).toBe(415);
    expect((await raw(fake, '/api/v1/namespaces/a/configmaps/missing', { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: '{}' })).status).toBe(404);
  });

  it('serves PartialObjectMetadata for GET and watch', async () => {
    const one = await raw(fake, '/api/v1/namespaces/a', { headers: { Accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1' } });
    expect(one.json).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: expect.objectContaining({ name: 'a', labels: { team: 'x', 'kubernetes.io/metadata.name': 'a' } }) });
    const events = await rawWatch(fake, '/api/v1/namespaces?watch=true', 2, { Accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1' });
    expect(events.map((e) => [e.type, e.object.kind, (e.object.metadata as { name: string }).name])).toEqual([
      ['ADDED', 'PartialObjectMetadata', 'a'],
      ['ADDED', 'PartialObjectMetadata', 'b'],
    ]);
    expect(events[0]?.object.spec).toBeUndefined();
  });

  it('turns edits into ADDED/DELETED for selector watches, and sends bookmarks', async () => {
    const rv = fake.resourceVersion();
    const changes = (ev: WatchEvent[]): WatchEvent[] => ev.filter((e) => e.type !== 'BOOKMARK');
    const events = await rawWatch(fake, `/api/v1/namespaces?watch=1&labelSelector=team%3Dx&resourceVersion=${rv}&allowWatchBookmarks=true`, (ev) => changes(ev).length >= 3, {}, () => {
      setTimeout(() => {
        fake.put(ns('b', { team: 'x' })); // enters the selection
        fake.put(ns('a', { team: 'y' })); // leaves it
        fake.put(ns('c')); // never matches
        fake.put(ns('b', { team: 'x', more: '1' }));
      }, 20);
    });
    expect(changes(events).map((e) => `${e.type} ${(e.object.metadata as { name: string }).name}`)).toEqual(['ADDED b', 'DELETED a', 'MODIFIED b']);
    const more = await rawWatch(fake, `/api/v1/namespaces?watch=true&resourceVersion=${fake.resourceVersion()}&allowWatchBookmarks=true`, 1);
    expect(more[0]).toMatchObject({ type: 'BOOKMARK', object: { kind: 'Namespace', metadata: { resourceVersion: fake.resourceVersion() } } });
  });

  it('closes a watch after timeoutSeconds', async () => {
    const t0 = Date.now();
    const events = await rawWatch(fake, `/api/v1/namespaces?watch=true&timeoutSeconds=1&resourceVersion=${fake.resourceVersion()}`, 1);
    expect(events).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('deletes collections and cascades namespace deletion', async () => {
    fake.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1', namespace: 'b', labels: { del: 'yes' } } });
    fake.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c2', namespace: 'b' } });
    expect((await raw(fake, '/api/v1/namespaces/b/configmaps?labelSelector=del', { method: 'DELETE' })).json.status).toBe('Success');
    expect(fake.list('v1', 'ConfigMap', 'b').map((c) => c.metadata.name)).toEqual(['c2']);
    const terminating = await raw(fake, '/api/v1/namespaces/b', { method: 'DELETE' });
    expect(terminating.json).toMatchObject({ kind: 'Namespace', status: { phase: 'Terminating' } });
    await waitFor(() => fake.get('v1', 'Namespace', 'b') === undefined, 'namespace removal');
    expect(fake.list('v1', 'ConfigMap', 'b')).toEqual([]);
  });
});

describe('fake kube-apiserver admission hook', () => {
  it('sees every HTTP write as admission does (object, oldObject, user), denies with 403, skips test-side writes', async () => {
    const reviews: AdmissionReview[] = [];
    const fake = await startFakeKubeApi({
      objects: [ns('a')],
      tokens: ['fake-token', 'other-token'],
      users: { 'fake-token': 'system:serviceaccount:a:writer' },
      admission: (review) => {
        reviews.push(review);
        return review.object?.metadata.labels?.['deny'] === 'yes' ? 'denied by the test' : undefined;
      },
    });
    try {
      const cm = (labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'a', labels }, data: { k: 'v' } });
      const json = { 'Content-Type': 'application/json' };
      expect((await raw(fake, '/api/v1/namespaces/a/configmaps', { method: 'POST', headers: json, body: JSON.stringify(cm({ v: '1' })) })).status).toBe(201);
      const put = await raw(fake, '/api/v1/namespaces/a/configmaps/c', { method: 'PUT', headers: json, body: JSON.stringify(cm({ v: '1' })) });
      expect(put.status).toBe(200); // a no-op update is admitted too
      const denied = await raw(fake, '/api/v1/namespaces/a/configmaps/c', { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: JSON.stringify({ metadata: { labels: { deny: 'yes' } } }) });
      expect(denied.status).toBe(403);
      expect(denied.json).toMatchObject({ reason: 'Forbidden', message: 'configmaps "c" is forbidden: denied by the test' });
      expect(fake.get('v1', 'ConfigMap', 'c', 'a')?.metadata.labels).toEqual({ v: '1' });
      fake.put({ ...cm({ v: '2' }) }); // test-side: not admitted
      expect((await raw(fake, '/api/v1/namespaces/a/configmaps/c', { method: 'DELETE', headers: { Authorization: 'Bearer other-token' } })).status).toBe(200);
      expect(reviews.map((review) => [review.operation, review.username, review.object?.metadata.labels ?? null, review.oldObject?.metadata.labels ?? null])).toEqual([
        ['CREATE', 'system:serviceaccount:a:writer', { v: '1' }, null],
        ['UPDATE', 'system:serviceaccount:a:writer', { v: '1' }, { v: '1' }],
        ['UPDATE', 'system:serviceaccount:a:writer', { v: '1', deny: 'yes' }, { v: '1' }],
        ['DELETE', 'fake-user', null, { v: '2' }],
      ]);
      expect(reviews[0]).toMatchObject({ group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespace: 'a', name: 'c', dryRun: false });
      expect(reviews[0]?.object?.metadata.uid).toBeDefined(); // server-managed metadata is filled before admission
    } finally {
      await fake.close();
    }
  });
});

describe('fake kube-apiserver over TLS', () => {
  it('serves https with a generated CA the client verifies (when openssl exists)', async () => {
    const fake = await startFakeKubeApi({ tls: true, objects: [ns('tls-ns')] });
    try {
      if (!fake.tls) {
        console.warn('openssl not found: the fake fell back to http');
        expect(fake.url.startsWith('http://')).toBe(true);
        return;
      }
      expect(fake.url.startsWith('https://127.0.0.1:')).toBe(true);
      const kc = client(fake);
      expect(kc.getCurrentCluster()?.skipTLSVerify).toBeFalsy();
      const list = await kc.makeApiClient(CoreV1Api).listNamespace();
      expect(list.items.map((n) => n.metadata?.name)).toEqual(['tls-ns']);
    } finally {
      await fake.close();
    }
  });
});

describe('fake kube-apiserver at scale (10k namespaces, 100k pods)', () => {
  const gen = { namespaces: 10_000, podsPerNamespace: 10 };
  let fake: FakeKubeApi;
  let core: CoreV1Api;
  beforeAll(async () => {
    const t0 = performance.now();
    fake = await startFakeKubeApi({ generate: gen });
    console.log(`[fake-kube] generated ${gen.namespaces} namespaces + ${gen.namespaces * gen.podsPerNamespace} pods in ${(performance.now() - t0).toFixed(0)} ms`);
    core = client(fake).makeApiClient(CoreV1Api);
  }, 60_000);
  afterAll(async () => {
    await fake.close();
  });

  async function listAllPods(partial: boolean): Promise<{ count: number; ms: number; pages: number }> {
    const t0 = performance.now();
    let cont: string | undefined;
    let count = 0;
    let pages = 0;
    do {
      const page = await core.listPodForAllNamespaces({ limit: 500, ...(cont ? { _continue: cont } : {}) }, partial ? setHeaderOptions('Accept', PARTIAL_LIST) : undefined);
      count += page.items.length;
      cont = page.metadata?._continue;
      pages++;
    } while (cont);
    return { count, ms: performance.now() - t0, pages };
  }

  it('lists all 100k pods in pages of 500 (the time is logged; a hang fails by the timeout)', async () => {
    const meta = await listAllPods(true);
    console.log(`[fake-kube] listed ${meta.count} pods as PartialObjectMetadata in ${meta.pages} pages: ${meta.ms.toFixed(0)} ms`);
    const full = await listAllPods(false);
    console.log(`[fake-kube] listed ${full.count} full pods in ${full.pages} pages: ${full.ms.toFixed(0)} ms`);
    expect(meta.count).toBe(100_000);
    expect(full.count).toBe(100_000);
    expect(meta.pages).toBe(200);
  }, 60_000);

  it('matches generatedCounts through selectors', async () => {
    const c = generatedCounts(gen);
    expect(c).toMatchObject({
      namespaces: 10_000,
      pods: 100_000,
      namespacesByTeam: { alpha: 2500, beta: 2500, gamma: 2500, delta: 2500 },
      namespacesByEnv: { prod: 3334, dev: 6666 },
      namespacesWithIstioRev: 1000,
      namespacesAnnotatedForInjection: 1429,
      namespacesWithIstioRevOrInjection: 2286,
      namespacesWithAnnotatedPods: 910,
      podsAnnotatedForInjection: 910 * 5,
    });
    const rev = await core.listNamespace({ labelSelector: 'istio.io/rev=default' }, setHeaderOptions('Accept', PARTIAL_LIST));
    expect(rev.items).toHaveLength(c.namespacesWithIstioRev);
    const all = await core.listNamespace({}, setHeaderOptions('Accept', PARTIAL_LIST));
    expect(all.items.filter((n) => n.metadata?.annotations?.['sidecar.istio.io/inject'] === 'true')).toHaveLength(c.namespacesAnnotatedForInjection);
    const alphaPods = await core.listPodForAllNamespaces({ labelSelector: 'team=alpha,app in (app-0,app-1)', limit: 100_000 }, setHeaderOptions('Accept', PARTIAL_LIST));
    expect(alphaPods.items).toHaveLength(2500 * 4);
  }, 60_000);
});

describe('fake kube-apiserver store helpers', () => {
  it('put/get/list/remove bypass HTTP but keep server semantics', async () => {
    const fake = await startFakeKubeApi();
    try {
      fake.put(ns('n'));
      const a = fake.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'n' }, data: {} });
      expect(a.metadata.resourceVersion).toBe(fake.resourceVersion());
      expect(a.type).toBe('Opaque'); // defaulted, as on a real server
      const b = fake.put({ ...a, data: { k: 'dg==' } });
      expect(b.metadata.uid).toBe(a.metadata.uid);
      const cr = fake.put(imps('gen'));
      expect(cr.metadata.generation).toBe(1);
      expect(fake.put({ ...cr, spec: { ...(cr.spec as object), target: { secret: { name: 'renamed' } } } }).metadata.generation).toBe(2);
      // Returned objects are copies: mutating them does not touch the store.
      b.metadata.name = 'mutated';
      expect(fake.get('v1', 'Secret', 'x', 'n')?.metadata.name).toBe('x');
      fake.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a', namespace: 'n' } });
      expect(fake.list('v1', 'Secret').map((s) => s.metadata.name)).toEqual(['a', 'x']);
      fake.remove('v1', 'Secret', 'x', 'n');
      expect(fake.list('v1', 'Secret', 'n').map((s) => s.metadata.name)).toEqual(['a']);
      expect(() => fake.put({ apiVersion: 'v9', kind: 'Nope', metadata: { name: 'z' } })).toThrow(/no resource registered/);
    } finally {
      await fake.close();
    }
  });
});
