// The executor (src/controller/imps/executor.ts) applying plans to an in-memory API: what it sends, what it
// remembers, what it logs and counts, and how failures are classified. No socket, no timer.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { execute, type WriteThrough } from '../../src/controller/imps/executor.js';
import { secretFacts, serviceAccountFacts } from '../../src/controller/imps/facts.js';
import { jsonLogger } from '../../src/controller/runtime/logger.js';
import { createMetrics } from '../../src/controller/runtime/metrics.js';
import type { SecretFacts, ServiceAccountFacts } from '../../src/core/facts.js';
import { Redactor } from '../../src/core/redaction.js';
import { planSecrets } from '../../src/core/secret-plan.js';
import { MemoryKube } from '../fakes/memory-kube.js';
import type { KubeObject } from '../fakes/kube-api-server.js';
import { CURRENT, EXPIRY, IMPS_UID_LABEL, input, recordOf, MARK } from '../unit/plan-builders.js';
import { ManualTimers } from './manual-timers.js';

const CANARY = 'CANARY-executor-password-0007';

function rig(objects: KubeObject[] = []) {
  const kube = new MemoryKube(objects);
  const lines: string[] = [];
  const redactor = new Redactor();
  redactor.remember(CANARY);
  const remembered: string[] = [];
  const cache: WriteThrough = {
    rememberSecret: (facts: SecretFacts) => void remembered.push(`secret ${facts.namespace}/${facts.name}@${facts.resourceVersion}`),
    forgetSecret: (namespace, name) => void remembered.push(`forget ${namespace}/${name}`),
    rememberServiceAccount: (facts: ServiceAccountFacts) => void remembered.push(`sa ${facts.namespace}/${facts.name}@${facts.resourceVersion}`),
  };
  const metrics = createMetrics({ processMetrics: false });
  const log = jsonLogger(new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) }), redactor, new ManualTimers(new Date('2026-11-22T00:00:00Z')));
  return { kube, lines, remembered, metrics, deps: { http: kube, cache, log, metrics, redactor } };
}

const secretObject = (namespace: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'regcred', namespace, ...extra },
  type: 'kubernetes.io/dockerconfigjson',
  data: { '.dockerconfigjson': Buffer.from(`{"auths":{"r":{"password":"${CANARY}"}}}`).toString('base64') },
});
const sa = (namespace: string, entries: string[] = []): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace }, imagePullSecrets: entries.map((name) => ({ name })) });

describe('execute', () => {
  it('creates, writes through to the cache, counts and logs one line per write, never a credential', async () => {
    const { kube, lines, remembered, metrics, deps } = rig();
    const plan = planSecrets(input(['a', 'b']));
    const execution = await execute(plan, 'web', deps);
    expect(kube.writes()).toEqual(['POST /api/v1/namespaces/a/secrets', 'POST /api/v1/namespaces/b/secrets']);
    expect(kube.get('secrets', 'a', 'regcred')?.metadata.ownerReferences).toEqual([
      { apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: false },
    ]);
    expect(remembered).toEqual([expect.stringMatching(/^secret a\/regcred@\d+$/), expect.stringMatching(/^secret b\/regcred@\d+$/)]);
    expect(execution).toMatchObject({ failures: [], wrote: true, holding: ['a', 'b'], refusals: [] });
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 'info', msg: 'Secret created', imagePullSecret: 'web', namespace: 'a', secret: 'regcred' }),
      expect.objectContaining({ level: 'info', msg: 'Secret created', imagePullSecret: 'web', namespace: 'b', secret: 'regcred' }),
    ]);
    expect(await metrics.registry.getSingleMetricAsString('imps_krm_secret_writes_total')).toContain('imps_krm_secret_writes_total{operation="create"} 2');
  });

  it('reports a refusal as a terminal failure, counts it and sends nothing', async () => {
    const { kube, metrics, deps } = rig();
    const plan = planSecrets(input(['a'], { secrets: [{ ...(factsOf(secretObject('a'))), labels: { app: 'x' } }] }));
    const execution = await execute(plan, 'web', deps);
    expect(kube.writes()).toEqual([]);
    expect(execution.failures).toEqual([
      { reason: 'SecretReconciliationError', message: 'Secret a/regcred: a Secret with this name exists and is not managed by imps-krm; not overwriting it', terminal: true },
    ]);
    expect(execution.holding).toEqual([]);
    expect(await metrics.registry.getSingleMetricAsString('imps_krm_secrets_refused_total')).toContain('imps_krm_secrets_refused_total{reason="not-managed"} 1');
  });

  it('a failed write is retried (not terminal), keeps its Retry-After, and holds back that namespace\'s ServiceAccount only', async () => {
    const { kube, deps } = rig([sa('a'), sa('b')]);
    kube.fail((request) => request.method === 'POST' && request.path.includes('/namespaces/a/'), 503, 1, 7);
    const plan = planSecrets(input(['a', 'b'], { serviceAccounts: ['default'], serviceAccountFacts: [saOf(kube, 'a'), saOf(kube, 'b')] }));
    const execution = await execute(plan, 'web', deps);
    expect(execution.failures).toEqual([{ reason: 'SecretReconciliationError', message: 'Secret a/regcred: POST /api/v1/namespaces/a/secrets: HTTP 503: injected' }]);
    expect(execution.retryAfterSeconds).toBe(7);
    expect(execution.holding).toEqual(['b']);
    expect(kube.writes()).toEqual(['POST /api/v1/namespaces/a/secrets', 'POST /api/v1/namespaces/b/secrets', 'PATCH /api/v1/namespaces/b/serviceaccounts/default']);
  });

  it('re-reads and re-plans a ServiceAccount that changed under it (409), keeping the entry added meanwhile', async () => {
    const { kube, deps } = rig([sa('a', ['hand']), ourSecret('a')]);
    const stale = saOf(kube, 'a');
    kube.put(sa('a', ['hand', 'added-meanwhile']));
    const current = { ...factsOf(kube.get('secrets', 'a', 'regcred')!), dataHash: CURRENT };
    const plan = planSecrets(input(['a'], { serviceAccounts: ['default'], secrets: [current], serviceAccountFacts: [stale] }));
    const execution = await execute(plan, 'web', deps);
    expect(execution.failures).toEqual([]);
    expect(kube.get('serviceaccounts', 'a', 'default')).toMatchObject({
      metadata: { labels: MARK, annotations: recordOf('web/regcred') },
      imagePullSecrets: [{ name: 'hand' }, { name: 'added-meanwhile' }, { name: 'regcred' }],
    });
    expect(kube.writes()).toEqual(['PATCH /api/v1/namespaces/a/serviceaccounts/default', 'PATCH /api/v1/namespaces/a/serviceaccounts/default']);
  });

  it('deletes with uid and resourceVersion preconditions, counts an object already gone as done, and forgets it', async () => {
    const existing = ourSecret('gone');
    const { kube, remembered, deps } = rig([existing]);
    const facts = factsOf(kube.get('secrets', 'gone', 'regcred')!);
    kube.remove('secrets', 'gone', 'regcred');
    const execution = await execute(planSecrets(input([], { secrets: [facts] })), 'web', deps);
    expect(execution.failures).toEqual([]);
    expect(kube.requests.find((request) => request.method === 'DELETE')?.body).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: facts.uid, resourceVersion: facts.resourceVersion } });
    expect(remembered).toEqual(['forget gone/regcred']);
  });

  it("deletes IMPS's leftovers only after a pass in which every write succeeded, as IMPS did", async () => {
    const left: KubeObject = secretObject('left', {
      labels: { [IMPS_UID_LABEL]: 'uid-web' },
      ownerReferences: [{ apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', name: 'web', uid: 'uid-web' }],
    });
    const { kube, deps } = rig([left]);
    const facts = factsOf(kube.get('secrets', 'left', 'regcred')!);
    kube.fail((request) => request.method === 'POST', 500);
    const failing = await execute(planSecrets(input(['a'], { secrets: [facts] })), 'web', deps);
    expect(failing.failures.map((failure) => failure.reason)).toEqual(['SecretReconciliationError']);
    expect(kube.get('secrets', 'left', 'regcred')).toBeDefined();
    const passing = await execute(planSecrets(input(['a'], { secrets: [facts] })), 'web', deps);
    expect(passing.failures).toEqual([]);
    expect(kube.get('secrets', 'left', 'regcred')).toBeUndefined();
  });

  it('a failed update of our Secret still counts its namespace as holding the (older, valid) Secret', async () => {
    const { kube, deps } = rig([ourSecret('a')]);
    const facts = { ...(factsOf(kube.get('secrets', 'a', 'regcred')!)), dataHash: 'old' };
    kube.fail((request) => request.method === 'PATCH', 500);
    const execution = await execute(planSecrets(input(['a'], { secrets: [facts] })), 'web', deps);
    expect(execution.holding).toEqual(['a']);
    expect(execution.failures.map((failure) => failure.terminal)).toEqual([undefined]);
  });
});

const ourSecret = (namespace: string): KubeObject =>
  secretObject(namespace, {
    uid: `uid-${namespace}`,
    labels: { 'app.kubernetes.io/managed-by': 'imps-krm', 'imps-krm.io/owner': 'web' },
    annotations: { 'imps-krm.io/expires-at': EXPIRY },
    ownerReferences: [{ apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', name: 'web', uid: 'uid-web', controller: true }],
  });

const factsOf = (object: KubeObject): SecretFacts => secretFacts(object)!;
const saOf = (kube: MemoryKube, namespace: string): ServiceAccountFacts => serviceAccountFacts(kube.get('serviceaccounts', namespace, 'default'))!;
