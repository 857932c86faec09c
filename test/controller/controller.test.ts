import { afterEach, describe, expect, it } from 'vitest';
import { SHELL_DOCKER_CONFIG } from '../../src/core/render.js';
import { CANARY_ECR, CANARY_PASSWORD, CANARY_SECRET_KEY, dockerConfigOf, dockerSource, ecrSource, imps, ns, secretOf, startRig, statusOf, waitFor, type Rig } from './harness.js';

const ECR_HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const baseObjects = () => [
  ns('default'),
  ns('creds'),
  ns('team-a', { team: 'a' }),
  ns('team-b', { team: 'b' }),
  ns('other'),
  dockerSource('creds', 'hub', 'https://index.docker.io/v1/', CANARY_PASSWORD),
  ecrSource('creds', 'ecr'),
  imps('pull', {
    registry: { credentials: [{ namespace: 'creds', name: 'hub' }, { namespace: 'creds', name: 'ecr' }] },
    target: { secret: { name: 'regcred' }, namespaces: { labels: [{ matchLabels: { team: 'a' } }, { matchLabels: { team: 'b' } }] } },
  }),
];

describe('controller', () => {
  it('writes the merged Secret into every selected namespace and reports Ready', async () => {
    rig = await startRig(baseObjects());
    const { kube } = rig;
    await waitFor(() => secretOf(kube, 'team-a', 'regcred') && secretOf(kube, 'team-b', 'regcred'));
    expect(secretOf(kube, 'other', 'regcred')).toBeUndefined();
    const config = dockerConfigOf(secretOf(kube, 'team-a', 'regcred'));
    expect(config?.auths[ECR_HOST]?.password).toBe(CANARY_ECR);
    expect(config?.auths['https://index.docker.io/v1/']?.password).toBe(CANARY_PASSWORD);
    const status = await waitFor(() => statusOf(kube, 'pull'));
    expect(status).toMatchObject({ status: 'Ready', managedNamespaces: ['team-a', 'team-b'], sourceSecretStatus: { 'creds.hub': 'Ok', 'creds.ecr': 'Ok' }, observedGeneration: 1 });
    expect(rig.aws.calls.filter((call) => call.service === 'ecr')).toHaveLength(1);
  });
});

describe('controller reacting to the cluster', () => {
  // How fast (new namespace -> Secret) is a benchmark figure (bench/controller.bench.ts), not a test assertion.
  it('gives a new matching namespace its Secret, and removes it when the namespace leaves the selection', async () => {
    rig = await startRig(baseObjects());
    const { kube } = rig;
    await waitFor(() => secretOf(kube, 'team-b', 'regcred'));
    kube.put(ns('team-a2', { team: 'a' }));
    await waitFor(() => secretOf(kube, 'team-a2', 'regcred'));

    kube.put(ns('team-b', { team: 'none' }));
    await waitFor(() => secretOf(kube, 'team-b', 'regcred') === undefined);
    await waitFor(() => (statusOf(kube, 'pull')?.['managedNamespaces'] as string[] | undefined)?.join() === 'team-a,team-a2');
  });

  it('follows the first matching Pod of a namespace', async () => {
    const objects = [
      ...baseObjects().slice(0, 7),
      imps('by-pod', {
        registry: { credentials: [{ namespace: 'creds', name: 'hub' }] },
        target: { secret: { name: 'pod-cred' }, namespacesWithPods: { labels: [{ matchLabels: { app: 'web' } }] } },
      }),
    ];
    rig = await startRig(objects);
    const { kube } = rig;
    await waitFor(() => statusOf(kube, 'by-pod'));
    expect(secretOf(kube, 'other', 'pod-cred')).toBeUndefined();
    kube.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'other', labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } });
    await waitFor(() => secretOf(kube, 'other', 'pod-cred'));
    kube.remove('v1', 'Pod', 'web-1', 'other');
    await waitFor(() => secretOf(kube, 'other', 'pod-cred') === undefined);
  });

  it('removes the old Secrets on a target rename and all of them on CR deletion, never a Secret it did not create', async () => {
    const foreign = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keep-me', namespace: 'team-a', labels: { 'imps-krm.io/owner': 'pull' } }, type: 'Opaque', data: { x: 'eA==' } };
    // The garbage collector would delete them with the CR (owner reference): off, the controller must do it itself.
    rig = await startRig([...baseObjects(), foreign], { garbageCollection: false });
    const { kube } = rig;
    await waitFor(() => secretOf(kube, 'team-a', 'regcred'));
    const cr = kube.get('images.banzaicloud.io/v1alpha1', 'ImagePullSecret', 'pull')!;
    const spec = cr['spec'] as { target: { secret: { name: string } } };
    spec.target.secret.name = 'renamed';
    kube.put(cr);
    await waitFor(() => secretOf(kube, 'team-a', 'renamed') && !secretOf(kube, 'team-a', 'regcred'));
    kube.remove('images.banzaicloud.io/v1alpha1', 'ImagePullSecret', 'pull');
    await waitFor(() => !secretOf(kube, 'team-a', 'renamed') && !secretOf(kube, 'team-b', 'renamed'));
    expect(secretOf(kube, 'team-a', 'keep-me')).toBeDefined();
  });

  it('leaves a namespace being deleted alone: no create refused there, no failure, no Warning event', async () => {
    rig = await startRig(baseObjects());
    const { kube } = rig;
    await waitFor(() => secretOf(kube, 'team-b', 'regcred'));
    await rig.controller.idle();
    kube.resetRequests();
    // A real deletion: Terminating, emptied by the namespace controller, then gone. Creates in between are a 403.
    const res = await fetch(`${kube.url}/api/v1/namespaces/team-b`, { method: 'DELETE', headers: { Authorization: 'Bearer fake-token' } });
    expect(res.status).toBe(200);
    await waitFor(() => kube.get('v1', 'Namespace', 'team-b') === undefined);
    await rig.controller.idle();
    expect(kube.list('v1', 'Event', 'default').filter((event) => event['type'] === 'Warning')).toEqual([]);
    expect(kube.requests.filter((request) => request.method === 'POST' && request.path === '/api/v1/namespaces/team-b/secrets')).toEqual([]);
    expect(statusOf(kube, 'pull')).toMatchObject({ status: 'Ready', managedNamespaces: ['team-a'] });
  });

  it('rewrites the target when a source Secret is rotated, and repairs a target deleted by hand', async () => {
    rig = await startRig(baseObjects());
    const { kube } = rig;
    await waitFor(() => secretOf(kube, 'team-a', 'regcred'));
    kube.put(dockerSource('creds', 'hub', 'https://index.docker.io/v1/', 'CANARY-rotated-0004'));
    await waitFor(() => dockerConfigOf(secretOf(kube, 'team-a', 'regcred'))?.auths['https://index.docker.io/v1/']?.password === 'CANARY-rotated-0004');
    kube.remove('v1', 'Secret', 'regcred', 'team-b');
    await waitFor(() => secretOf(kube, 'team-b', 'regcred'));
  });

  it('makes no write when a reconcile finds nothing to change', async () => {
    rig = await startRig(baseObjects());
    const { kube, metrics } = rig;
    await waitFor(() => statusOf(kube, 'pull'));
    await rig.controller.idle();
    const before = await successfulReconciles(metrics);
    kube.resetRequests();
    // Still selected, so the ImagePullSecret is reconciled again; nothing it renders changes.
    kube.put(ns('team-a', { team: 'a', unrelated: 'label' }));
    await waitUntil(async () => (await successfulReconciles(metrics)) > before);
    await rig.controller.idle();
    expect(kube.requests.filter((request) => request.method !== 'GET')).toEqual([]);
  });
});

describe('controller and time', () => {
  it('renews the ECR token at half its lifetime, once for all namespaces, and never polls in between', async () => {
    rig = await startRig(baseObjects());
    const { kube, aws, timers } = rig;
    await waitFor(() => statusOf(kube, 'pull'));
    await rig.controller.idle();
    const firstExpiry = secretOf(kube, 'team-a', 'regcred')?.metadata.annotations?.['imps-krm.io/expires-at'];
    expect(firstExpiry).toBe('2026-11-22T12:00:00Z');
    aws.setEcrPassword('AKIDCONTROLLER', 'CANARY-ecr-renewed-0005');
    kube.resetRequests();
    timers.advance(5 * 3600_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(aws.calls.filter((call) => call.service === 'ecr')).toHaveLength(1);
    expect(kube.requests.filter((request) => request.query['watch'] !== '1')).toEqual([]);
    timers.advance(3600_000 + 1000);
    await waitFor(() => dockerConfigOf(secretOf(kube, 'team-b', 'regcred'))?.auths['123456789012.dkr.ecr.us-east-1.amazonaws.com']?.password === 'CANARY-ecr-renewed-0005');
    await waitFor(() => dockerConfigOf(secretOf(kube, 'team-a', 'regcred'))?.auths['123456789012.dkr.ecr.us-east-1.amazonaws.com']?.password === 'CANARY-ecr-renewed-0005');
    expect(aws.calls.filter((call) => call.service === 'ecr')).toHaveLength(2);
    expect(secretOf(kube, 'team-a', 'regcred')?.metadata.annotations?.['imps-krm.io/expires-at']).toBe('2026-11-22T18:00:01Z');
  });

  it('keeps a valid Secret when ECR fails at renewal, reports Failed with an Event, and recovers', async () => {
    rig = await startRig(baseObjects());
    const { kube, aws, timers } = rig;
    await waitFor(() => statusOf(kube, 'pull'));
    await rig.controller.idle();
    const before = secretOf(kube, 'team-a', 'regcred');
    aws.failNext('ecr', { status: 400, code: 'AccessDeniedException', message: 'not allowed' }, 1000);
    timers.advance(6 * 3600_000 + 1000);
    await waitFor(() => statusOf(kube, "pull")?.["status"] === "Failed").catch((e) => { console.log(rig!.logs()); throw e; });
    const status = statusOf(kube, 'pull')!;
    expect(String((status['sourceSecretStatus'] as Record<string, string>)['creds.ecr'])).toContain('AccessDeniedException');
    expect((status['sourceSecretStatus'] as Record<string, string>)['creds.hub']).toBe('Ok');
    expect(secretOf(kube, 'team-a', 'regcred')?.['data']).toEqual(before?.['data']);
    const events = await waitFor(() => {
      const list = kube.list('v1', 'Event', 'default');
      return list.length > 0 && list;
    });
    expect(events[0]).toMatchObject({ type: 'Warning', reason: 'SourceCredentialsError', involvedObject: { kind: 'ImagePullSecret', name: 'pull' } });
    // While renewals fail the renewal time stays in the past (ImpsKrmTokenRenewalOverdue), the expiry the old token's.
    await rig.controller.idle();
    const gauges = await rig.metrics.registry.metrics();
    expect(gauges).toContain(`imps_krm_token_renewal_timestamp_seconds{source="creds.ecr"} ${Date.parse('2026-11-22T06:00:00Z') / 1000}`);
    expect(gauges).toContain(`imps_krm_token_expiry_timestamp_seconds{source="creds.ecr"} ${Date.parse('2026-11-22T12:00:00Z') / 1000}`);
    aws.reset();
    aws.setNow(() => timers.now());
    await waitFor(() => statusOf(kube, 'pull')?.['status'] === 'Ready', 5000);
  });
});

describe('controller under API faults', () => {
  it('retries 5xx and 429 (Retry-After) on writes, and keeps serving after dropped watches and 410 Gone', async () => {
    const objects = baseObjects();
    rig = await startRig(objects, { start: false });
    const { kube } = rig;
    kube.inject({ match: (r) => r.method === 'POST' && r.path.endsWith('/team-a/secrets'), status: 500, times: 2 });
    kube.inject({ match: (r) => r.method === 'POST' && r.path.endsWith('/team-b/secrets'), status: 429, retryAfterSeconds: 1, times: 1 });
    kube.inject({ match: (r) => r.query['watch'] === '1' && r.path === '/api/v1/namespaces', status: 503, times: 1 });
    await rig.controller.start();
    await waitFor(() => secretOf(kube, 'team-a', 'regcred') && secretOf(kube, 'team-b', 'regcred'), 5000);
    await waitFor(() => statusOf(kube, 'pull')?.['status'] === 'Ready', 5000);

    kube.closeWatches({ abrupt: true });
    kube.put(ns('after-drop', { team: 'a' }));
    await waitFor(() => secretOf(kube, 'after-drop', 'regcred'), 5000);

    kube.compactHistory();
    kube.closeWatches();
    kube.put(ns('after-gone', { team: 'b' }));
    await waitFor(() => secretOf(kube, 'after-gone', 'regcred'), 5000);
    expect(kube.requests.some((r) => r.path === '/api/v1/namespaces' && r.query['watch'] === undefined && r.query['limit'] !== undefined)).toBe(true);
    const errors = await rig.metrics.registry.getSingleMetricAsString('imps_krm_api_requests_total');
    expect(errors).toMatch(/code="500"/);
  });
});

describe('shells', () => {
  it('fills a shell naming its ImagePullSecret, outside the selection too, and never deletes it', async () => {
    const shell = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'regcred',
        namespace: 'other',
        labels: { 'app.kubernetes.io/managed-by': 'imps-krm', 'imps-krm.io/owner': 'pull', 'argocd.argoproj.io/instance': 'app' },
        annotations: { 'imps-krm.io/refresher-managed': 'true', 'imps-krm.io/image-pull-secret': 'pull' },
      },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': SHELL_DOCKER_CONFIG },
    };
    rig = await startRig([...baseObjects(), shell]);
    const { kube } = rig;
    // The shell's empty config is replaced by the rendered one.
    await waitFor(() => dockerConfigOf(secretOf(kube, 'other', 'regcred'))?.auths['https://index.docker.io/v1/'] !== undefined);
    const filled = secretOf(kube, 'other', 'regcred')!;
    expect(filled.metadata.labels?.['argocd.argoproj.io/instance']).toBe('app');
    expect(filled.metadata.annotations?.['imps-krm.io/expires-at']).toBe('2026-11-22T12:00:00Z');
    expect(dockerConfigOf(filled)?.auths['https://index.docker.io/v1/']?.password).toBe(CANARY_PASSWORD);
    kube.remove('images.banzaicloud.io/v1alpha1', 'ImagePullSecret', 'pull');
    await waitFor(() => !secretOf(kube, 'team-a', 'regcred'));
    expect(secretOf(kube, 'other', 'regcred')).toBeDefined();
    // The garbage collector and the controller both remove the owned Secrets: neither trips over the other.
    expect(rig.logs()).not.toMatch(/cannot delete|"level":"error"/);
  });
});

describe('credential canary', () => {
  it('no credential reaches logs, status or events, even when a source is broken', async () => {
    const broken = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'broken', namespace: 'creds' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from('{"auths":{"r.example":{"auth":"CANARY-not-base64-0006"}}}').toString('base64') } };
    const objects = [
      ...baseObjects(),
      broken,
      imps('broken', { registry: { credentials: [{ namespace: 'creds', name: 'broken' }, { namespace: 'creds', name: 'ecr' }] }, target: { secret: { name: 'x' }, namespaces: { names: ['team-a'] } } }),
    ];
    rig = await startRig(objects);
    const { kube, aws, timers } = rig;
    await waitFor(() => statusOf(kube, 'broken')?.['status'] === 'Failed' && statusOf(kube, 'pull')?.['status'] === 'Ready');
    aws.failNext('ecr', { status: 400, code: 'InvalidParameterException', message: `echo ${CANARY_SECRET_KEY} ${CANARY_ECR}` }, 50);
    timers.advance(7 * 3600_000);
    await waitFor(() => statusOf(kube, 'pull')?.['status'] === 'Failed');
    await waitFor(() => kube.list('v1', 'Event', 'default').length >= 2);
    await rig.controller.idle();
    const seen = JSON.stringify([
      rig.logs(),
      kube.list('v1', 'Event', 'default'),
      kube.list('images.banzaicloud.io/v1alpha1', 'ImagePullSecret').map((o) => o['status']),
      await rig.metrics.registry.metrics(),
    ]);
    expect(seen).toContain('InvalidParameterException');
    for (const canary of [CANARY_SECRET_KEY, CANARY_ECR, CANARY_PASSWORD, 'CANARY-not-base64-0006', Buffer.from(CANARY_SECRET_KEY).toString('base64')]) {
      expect(seen).not.toContain(canary);
    }
    expect(seen).not.toContain('CANARY');
  });
});

describe('controller and hostile specs', () => {
  it('serves a spec whose exclusion glob froze the old matcher, and refuses a selector with an invalid key as InvalidSpec', async () => {
    const long = 'a'.repeat(63);
    const objects = [
      ...baseObjects(),
      ns(long, { team: 'a' }),
      imps('glob', {
        registry: { credentials: [{ namespace: 'creds', name: 'hub' }] },
        // Against a 63-character name this glob took minutes as a backtracking regular expression.
        target: { secret: { name: 'glob-cred' }, namespaces: { labels: [{ matchLabels: { team: 'a' } }] }, excludeNamespaces: ['a*a*a*a*a*a*a*a*a*b'] },
      }),
      imps('bad-key', {
        registry: { credentials: [{ namespace: 'creds', name: 'hub' }] },
        target: { secret: { name: 'bad-cred' }, namespaces: { labels: [{ matchLabels: { 'team/': 'a' } }] } },
      }),
    ];
    rig = await startRig(objects);
    const { kube } = rig;
    // A backtracking glob would hold the event loop for minutes: the wait below would time out.
    await waitFor(() => secretOf(kube, long, 'glob-cred') && statusOf(kube, 'glob') && statusOf(kube, 'bad-key'));
    expect(statusOf(kube, 'glob')).toMatchObject({ status: 'Ready', managedNamespaces: [long, 'team-a'] });
    expect(statusOf(kube, 'bad-key')).toMatchObject({ status: 'Failed', conditions: [{ type: 'Ready', status: 'False', reason: 'InvalidSpec' }] });
    expect(String(statusOf(kube, 'bad-key')?.['reason'])).toContain('invalid label key');
    expect(secretOf(kube, 'team-a', 'bad-cred')).toBeUndefined();
  });
});

describe('controller and what it does not own', () => {
  it('reports an invalid spec and a foreign Secret in the way, touches neither, and exports per-source expiry', async () => {
    const foreign = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred', namespace: 'team-b' }, type: 'Opaque', data: { mine: 'eA==' } };
    const invalid = { apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', metadata: { name: 'invalid' }, spec: { target: { secret: { name: 'x' } } } };
    rig = await startRig([...baseObjects(), foreign, invalid]);
    const { kube } = rig;
    await waitFor(() => statusOf(kube, 'pull')?.['status'] === 'Failed' && statusOf(kube, 'invalid'));
    expect(String(statusOf(kube, 'pull')?.['reason'])).toContain('Secret team-b/regcred: a Secret with this name exists and is not managed by imps-krm');
    expect(secretOf(kube, 'team-b', 'regcred')?.['data']).toEqual({ mine: 'eA==' });
    expect(secretOf(kube, 'team-a', 'regcred')).toBeDefined();
    expect(statusOf(kube, 'invalid')).toMatchObject({ status: 'Failed', conditions: [{ type: 'Ready', status: 'False', reason: 'InvalidSpec' }] });
    await rig.controller.idle();
    const metrics = await rig.metrics.registry.getSingleMetricAsString('imps_krm_token_expiry_timestamp_seconds');
    expect(metrics).toContain(`imps_krm_token_expiry_timestamp_seconds{source="creds.ecr"} ${Date.parse('2026-11-22T12:00:00Z') / 1000}`);
    expect(metrics).not.toContain('creds.hub');
    // Renewal at half the 12 h lifetime; a static login has neither series.
    const renewal = await rig.metrics.registry.getSingleMetricAsString('imps_krm_token_renewal_timestamp_seconds');
    expect(renewal).toContain(`imps_krm_token_renewal_timestamp_seconds{source="creds.ecr"} ${Date.parse('2026-11-22T06:00:00Z') / 1000}`);
    expect(renewal).not.toContain('creds.hub');
    // The foreign Secret is refused on every attempt (the first one and its retries), under a bounded reason.
    const refused = await rig.metrics.registry.getSingleMetricAsString('imps_krm_secrets_refused_total');
    expect(refused).toMatch(/^imps_krm_secrets_refused_total\{reason="not-managed"\} [1-9]\d*$/m);
    expect(refused).toContain('imps_krm_secrets_refused_total{reason="other-imagepullsecret"} 0');
    expect(refused).toContain('imps_krm_secrets_refused_total{reason="gitops-rendered"} 0');
  });
});

describe('migrating from IMPS', () => {
  it('adopts the IMPS controller Secret of the same ImagePullSecret (owner reference to its uid) in place', async () => {
    const objects = baseObjects();
    const cr = objects.find((object) => object.kind === 'ImagePullSecret')!;
    cr.metadata.uid = 'uid-of-pull';
    const fromImps = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'regcred', namespace: 'team-a', uid: 'uid-of-imps-secret', labels: { 'images.banzaicloud.io/owner-uid': 'uid-of-pull' }, ownerReferences: [{ apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', name: 'pull', uid: 'uid-of-pull' }] },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') },
    };
    rig = await startRig([...objects, fromImps]);
    const { kube } = rig;
    await waitFor(() => statusOf(kube, 'pull')?.['status'] === 'Ready');
    const adopted = secretOf(kube, 'team-a', 'regcred')!;
    expect(adopted.metadata.uid).toBe('uid-of-imps-secret');
    expect(adopted.metadata.labels?.['imps-krm.io/owner']).toBe('pull');
    expect(dockerConfigOf(adopted)?.auths['https://index.docker.io/v1/']?.password).toBe(CANARY_PASSWORD);
    expect(kube.requests.some((request) => request.method === 'DELETE')).toBe(false);
  });
});

describe('controller and source annotations', () => {
  it('passes source annotations to parsing (kubernetes.io/basic-auth names its registry in one)', async () => {
    const basic = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'basic', namespace: 'creds', annotations: { 'imps-krm.io/registry': 'quay.io' } },
      type: 'kubernetes.io/basic-auth',
      data: { username: Buffer.from('bot').toString('base64'), password: Buffer.from('basic-pw-1234').toString('base64') },
    };
    const cr = imps('basic', { registry: { credentials: [{ namespace: 'creds', name: 'basic' }] }, target: { secret: { name: 'quay' }, namespaces: { names: ['other'] } } });
    rig = await startRig([...baseObjects(), basic, cr]);
    const { kube } = rig;
    await waitFor(() => dockerConfigOf(secretOf(kube, 'other', 'quay'))?.auths['quay.io']?.password === 'basic-pw-1234');
  });
});

/** Reconciles that kept every target valid, from the controller's own counter: proof that a reconcile ran. */
async function successfulReconciles(metrics: Rig['metrics']): Promise<number> {
  const { values } = await metrics.refreshes.get();
  return values.find((value) => value.labels['result'] === 'success')?.value ?? 0;
}

async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not met');
}
