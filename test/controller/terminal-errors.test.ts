// What the controller retries and what waits for a change, driven on the in-memory API with a manual clock.
// Terminal: an invalid spec, a Secret something else holds, a source that does not consent. They are reported
// once and looked at again only when an input changes. API errors keep their backoff.
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../fakes/kube-api-server.js';
import { dockerSource, ecrSource, imps, ns } from './harness.js';
import { startMemoryRig, statusOf, type MemoryRig } from './memory-rig.js';

let rig: MemoryRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const objects = (extra: KubeObject[] = []): KubeObject[] => [
  ns('creds'),
  ns('team-a', { team: 'a' }),
  ns('team-b', { team: 'a' }),
  dockerSource('creds', 'hub', 'https://index.docker.io/v1/', 'pw-terminal-0001'),
  imps('pull', { registry: { credentials: [{ namespace: 'creds', name: 'hub' }] }, target: { secret: { name: 'regcred' }, namespaces: { labels: [{ matchLabels: { team: 'a' } }] } } }),
  ...extra,
];
const foreign: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred', namespace: 'team-b' }, type: 'Opaque', data: { mine: 'eA==' } };
const reconciles = (r: MemoryRig): number => r.logs().filter((line) => line['msg'] === 'reconcile failed' || line['msg'] === 'reconciled').length;

describe('terminal failures wait for a change', () => {
  it('a foreign Secret in the way: refused once, not retried while time passes, written once it is gone', async () => {
    rig = await startMemoryRig(objects([foreign]));
    const { kube } = rig;
    expect(statusOf(kube, 'pull')).toMatchObject({ status: 'Failed', managedNamespaces: ['team-a'] });
    expect(String(statusOf(kube, 'pull')?.['reason'])).toContain('Secret team-b/regcred: a Secret with this name exists and is not managed by imps-krm');
    const before = reconciles(rig);
    const writes = kube.writes().length;
    await rig.advance(3_600_000);
    expect(reconciles(rig)).toBe(before);
    expect(kube.writes()).toHaveLength(writes);
    expect(rig.timers.next).toBeUndefined();

    kube.remove('secrets', 'team-b', 'regcred');
    await rig.advance(100);
    expect(kube.get('secrets', 'team-b', 'regcred')?.metadata.labels?.['imps-krm.io/owner']).toBe('pull');
    expect(statusOf(kube, 'pull')).toMatchObject({ status: 'Ready', managedNamespaces: ['team-a', 'team-b'] });
  });

  it('logs a refusal once at info, and counts it in the gauge until it is over', async () => {
    rig = await startMemoryRig(objects([foreign]));
    rig.kube.put(ns('unrelated')); // every namespace event re-evaluates every ImagePullSecret
    await rig.advance(100);
    expect(reconciles(rig)).toBe(2);
    expect(rig.logs().filter((line) => line['msg'] === 'Secret refused')).toEqual([
      expect.objectContaining({ level: 'info', imagePullSecret: 'pull', namespace: 'team-b', secret: 'regcred', reason: 'not-managed' }),
    ]);
    expect(await rig.metrics.registry.getSingleMetricAsString('imps_krm_refused_secrets')).toContain('imps_krm_refused_secrets{reason="not-managed"} 1');
    expect(await rig.metrics.registry.getSingleMetricAsString('imps_krm_failing_image_pull_secrets')).toContain('imps_krm_failing_image_pull_secrets 1');
    rig.kube.remove('secrets', 'team-b', 'regcred');
    await rig.advance(100);
    expect(await rig.metrics.registry.getSingleMetricAsString('imps_krm_refused_secrets')).toContain('imps_krm_refused_secrets{reason="not-managed"} 0');
    expect(await rig.metrics.registry.getSingleMetricAsString('imps_krm_failing_image_pull_secrets')).toContain('imps_krm_failing_image_pull_secrets 0');
  });

  it('an invalid spec: InvalidSpec once, no retry, reconciled when the spec is fixed', async () => {
    const broken = imps('pull', { registry: { credentials: [{ namespace: 'creds', name: 'hub' }] }, target: { secret: { name: 'regcred' }, namespaces: { labels: [{ matchLabels: { 'team/': 'a' } }] } } });
    rig = await startMemoryRig([...objects().filter((object) => object.kind !== 'ImagePullSecret'), broken]);
    expect(statusOf(rig.kube, 'pull')).toMatchObject({ status: 'Failed', conditions: [{ reason: 'InvalidSpec' }] });
    await rig.advance(3_600_000);
    expect(reconciles(rig)).toBe(1);
    const fixed = objects().find((object) => object.kind === 'ImagePullSecret')!;
    rig.kube.put({ ...fixed, metadata: { ...fixed.metadata, generation: 2 } });
    await rig.advance(0);
    expect(statusOf(rig.kube, 'pull')).toMatchObject({ status: 'Ready', managedNamespaces: ['team-a', 'team-b'] });
  });
});

describe('transient failures keep their backoff', () => {
  it('a 503 on a create is retried at the backoff time, with no other trigger', async () => {
    // The failure is armed before the ImagePullSecret arrives; the namespaces and the source are settled first.
    rig = await startMemoryRig(objects().filter((object) => object.kind !== 'ImagePullSecret'));
    const { kube, timers } = rig;
    kube.fail((request) => request.method === 'POST' && request.path === '/api/v1/namespaces/team-a/secrets', 503);
    kube.put(objects().find((object) => object.kind === 'ImagePullSecret')!);
    await rig.advance(0);
    expect(statusOf(kube, 'pull')?.['status']).toBe('Failed');
    expect(kube.get('secrets', 'team-a', 'regcred')).toBeUndefined();
    // Jittered backoff: between half and all of the 1 s base.
    const retryAt = timers.next!.getTime() - timers.now().getTime();
    expect(retryAt).toBeGreaterThanOrEqual(500);
    expect(retryAt).toBeLessThanOrEqual(1_000);
    await rig.advance(retryAt - 1);
    expect(kube.get('secrets', 'team-a', 'regcred')).toBeUndefined();
    await rig.advance(1);
    expect(kube.get('secrets', 'team-a', 'regcred')).toBeDefined();
    expect(statusOf(kube, 'pull')?.['status']).toBe('Ready');
  });
});

describe('token renewal time', () => {
  it('a renewal time that passes while a reconcile runs still renews, once; a renewal that fails backs off instead of spinning', async () => {
    let calls = 0;
    let failing = false;
    const MINUTE = 60_000;
    let r: MemoryRig | undefined;
    const tokens = {
      fetchToken: async () => {
        calls++;
        if (failing) throw new Error('registry down');
        return { username: 'AWS', password: `ecr-token-${calls}`, expiresAt: new Date(r!.timers.now().getTime() + 60 * MINUTE) };
      },
    };
    const ecr = objects().filter((object) => object.kind !== 'ImagePullSecret');
    r = await startMemoryRig([...ecr, ecrSource('creds', 'ecr')], { tokens });
    rig = r;
    // A slow API server: the first create takes 31 minutes, past the renewal time (half of 60).
    let slow = true;
    r.kube.onRequest = (request) => {
      if (slow && request.method === 'POST' && request.path.endsWith('/secrets')) {
        slow = false;
        r!.timers.advance(31 * MINUTE);
      }
    };
    r.kube.put(imps('pull', { registry: { credentials: [{ namespace: 'creds', name: 'ecr' }] }, target: { secret: { name: 'regcred' }, namespaces: { names: ['team-a'] } } }));
    await r.advance(0);
    // The token fetched before the slow write was due when the reconcile ended: renewed at once, and only once.
    expect(calls).toBe(2);
    expect(r.logs().filter((line) => line['msg'] === 'token renewed')).toHaveLength(1);
    await r.advance(0);
    expect(calls).toBe(2);

    failing = true;
    await r.advance(30 * MINUTE);
    expect(calls).toBe(3);
    expect(statusOf(r.kube, 'pull')?.['status']).toBe('Failed');
    // The failed renewal is retried on the ImagePullSecret's backoff (at least half of the 1 s base), not at once.
    expect(r.timers.next!.getTime() - r.timers.now().getTime()).toBeGreaterThanOrEqual(500);
    await r.advance(0);
    expect(calls).toBe(3);
  });
});
