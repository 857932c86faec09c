import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../fakes/kube-api-server.js';
import { CANARY_PASSWORD, dockerSource, imps, ns, secretOf, startRig, statusOf, waitFor, type Rig } from './harness.js';

// spec.target.serviceAccounts in controller mode: live merge patches of ServiceAccounts, recorded in the
// imps-krm.io/added-pull-secrets annotation so that only entries we added are ever removed.

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const ADDED = 'imps-krm.io/added-pull-secrets';
const PATCHED = 'imps-krm.io/pull-secrets-patched';

const sa = (namespace: string, name: string, pullSecrets?: string[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name, namespace },
  ...(pullSecrets ? { imagePullSecrets: pullSecrets.map((secret) => ({ name: secret })) } : {}),
});
const saOf = (r: Rig, namespace: string, name: string): KubeObject | undefined => r.kube.get('v1', 'ServiceAccount', name, namespace);
const pullNames = (r: Rig, namespace: string, name: string): string[] | undefined =>
  (saOf(r, namespace, name)?.['imagePullSecrets'] as Array<{ name: string }> | undefined)?.map((entry) => entry.name);
const same = (a: readonly string[] | undefined, b: readonly string[]): boolean => JSON.stringify(a ?? []) === JSON.stringify(b);

const cr = (serviceAccounts: string[], secret = 'regcred') =>
  imps('pull', {
    registry: { credentials: [{ namespace: 'creds', name: 'hub' }] },
    target: { secret: { name: secret }, namespaces: { labels: [{ matchLabels: { team: 'a' } }] }, serviceAccounts },
  });

const objects = (serviceAccounts: string[] = ['default']): KubeObject[] => [
  ns('creds'),
  ns('team-a', { team: 'a' }),
  ns('team-b', { team: 'a' }),
  ns('other'),
  dockerSource('creds', 'hub', 'https://index.docker.io/v1/', CANARY_PASSWORD),
  sa('team-a', 'default', ['mine', 'zzz']),
  sa('team-a', 'builder'),
  sa('team-b', 'default'),
  sa('other', 'default', ['mine']),
  cr(serviceAccounts),
];

const updateSpec = (r: Rig, edit: (target: Record<string, unknown>) => void): void => {
  const object = r.kube.get('images.banzaicloud.io/v1alpha1', 'ImagePullSecret', 'pull')!;
  edit((object['spec'] as { target: Record<string, unknown> }).target);
  r.kube.put(object);
};

async function settle(r: Rig): Promise<void> {
  await r.controller.idle();
  await new Promise((resolve) => setTimeout(resolve, 120)); // past the 50 ms debounce of our own watch events
  await r.controller.idle();
}

describe('ServiceAccount patching (controller)', () => {
  it('appends the Secret after unrelated entries in selected namespaces only, records it, and is quiet at rest', async () => {
    rig = await startRig(objects());
    const r = rig;
    await waitFor(() => same(pullNames(r, 'team-a', 'default'), ['mine', 'zzz', 'regcred']) && same(pullNames(r, 'team-b', 'default'), ['regcred']));
    expect(secretOf(r.kube, 'team-a', 'regcred')).toBeDefined();
    expect(saOf(r, 'team-a', 'default')?.metadata.annotations?.[ADDED]).toBe('pull/regcred');
    expect(saOf(r, 'team-a', 'default')?.metadata.labels?.[PATCHED]).toBe('true');
    expect(pullNames(r, 'team-a', 'builder')).toBeUndefined(); // not listed in the CR
    expect(same(pullNames(r, 'other', 'default'), ['mine'])).toBe(true); // not selected
    await waitFor(() => statusOf(r.kube, 'pull')?.['status'] === 'Ready');
    await settle(r);

    r.kube.resetRequests();
    r.kube.put(ns('unrelated'));
    await settle(r);
    expect(r.kube.requests.filter((request) => request.method !== 'GET')).toEqual([]);
    // At rest, ServiceAccounts cost only watches: no list, no read.
    expect(r.kube.requests.filter((q) => q.path.includes('serviceaccounts') && q.query['watch'] !== '1')).toEqual([]);
  });

  it('patches a ServiceAccount created later, keeps a user entry added meanwhile, and never duplicates', async () => {
    rig = await startRig(objects());
    const r = rig;
    await waitFor(() => same(pullNames(r, 'team-b', 'default'), ['regcred']));
    r.kube.put(ns('team-c', { team: 'a' }));
    await waitFor(() => secretOf(r.kube, 'team-c', 'regcred'));
    expect(saOf(r, 'team-c', 'default')).toBeUndefined(); // not an error: Kubernetes creates it shortly
    await waitFor(() => statusOf(r.kube, 'pull')?.['status'] === 'Ready' && (statusOf(r.kube, 'pull')?.['managedNamespaces'] as string[]).includes('team-c'));
    r.kube.put(sa('team-c', 'default', ['first']));
    await waitFor(() => same(pullNames(r, 'team-c', 'default'), ['first', 'regcred']), 1000);

    // A user edit with a duplicate of ours and a new entry of theirs: one regcred, in its place, theirs kept.
    const current = saOf(r, 'team-c', 'default')!;
    r.kube.put({ ...current, imagePullSecrets: [{ name: 'first' }, { name: 'regcred' }, { name: 'regcred' }, { name: 'later' }] });
    await waitFor(() => same(pullNames(r, 'team-c', 'default'), ['first', 'regcred', 'later']));
    await settle(r);
    expect(pullNames(r, 'team-c', 'default')).toEqual(['first', 'regcred', 'later']);
  });

  it('removes its entries when the namespace leaves the selection, the name is dropped, the Secret renamed or the CR deleted', async () => {
    rig = await startRig(objects(['default', 'builder']));
    const r = rig;
    await waitFor(() => same(pullNames(r, 'team-a', 'builder'), ['regcred']) && same(pullNames(r, 'team-b', 'default'), ['regcred']));

    r.kube.put(ns('team-b', { team: 'none' }));
    await waitFor(() => pullNames(r, 'team-b', 'default') === undefined);
    expect(saOf(r, 'team-b', 'default')?.metadata.annotations?.[ADDED]).toBeUndefined();
    expect(saOf(r, 'team-b', 'default')?.metadata.labels?.[PATCHED]).toBeUndefined();

    updateSpec(r, (target) => (target['serviceAccounts'] = ['default']));
    await waitFor(() => pullNames(r, 'team-a', 'builder') === undefined);
    expect(pullNames(r, 'team-a', 'default')).toEqual(['mine', 'zzz', 'regcred']);

    updateSpec(r, (target) => ((target['secret'] as { name: string }).name = 'renamed'));
    await waitFor(() => same(pullNames(r, 'team-a', 'default'), ['mine', 'zzz', 'renamed']));
    expect(saOf(r, 'team-a', 'default')?.metadata.annotations?.[ADDED]).toBe('pull/renamed');
    await waitFor(() => !secretOf(r.kube, 'team-a', 'regcred'));

    r.kube.remove('images.banzaicloud.io/v1alpha1', 'ImagePullSecret', 'pull');
    await waitFor(() => same(pullNames(r, 'team-a', 'default'), ['mine', 'zzz']));
    expect(saOf(r, 'team-a', 'default')?.metadata.annotations?.[ADDED]).toBeUndefined();
  });

  it('cleans up after a CR deleted while the controller was down', async () => {
    const leftover = sa('team-a', 'default', ['mine', 'regcred']);
    leftover.metadata.annotations = { [ADDED]: 'gone/regcred' };
    leftover.metadata.labels = { [PATCHED]: 'true' };
    rig = await startRig([...objects().filter((object) => object.kind !== 'ImagePullSecret' && !(object.kind === 'ServiceAccount' && object.metadata.namespace === 'team-a')), leftover]);
    const r = rig;
    await waitFor(() => same(pullNames(r, 'team-a', 'default'), ['mine']));
  });

  it('never removes an entry written by hand for a Secret of the same name', async () => {
    const handWritten = objects().map((object) => (object.kind === 'ServiceAccount' && object.metadata.namespace === 'team-b' ? sa('team-b', 'default', ['regcred', 'x']) : object));
    rig = await startRig(handWritten);
    const r = rig;
    await waitFor(() => same(pullNames(r, 'team-a', 'default'), ['mine', 'zzz', 'regcred']) && statusOf(r.kube, 'pull')?.['status'] === 'Ready');
    await settle(r);
    expect(pullNames(r, 'team-b', 'default')).toEqual(['regcred', 'x']);
    expect(saOf(r, 'team-b', 'default')?.metadata.annotations?.[ADDED]).toBeUndefined(); // already listed: not ours

    // The user lists the next name by hand before we rename to it: that entry stays theirs.
    r.kube.put({ ...saOf(r, 'team-a', 'default')!, imagePullSecrets: [{ name: 'mine' }, { name: 'zzz' }, { name: 'regcred' }, { name: 'renamed' }] });
    updateSpec(r, (target) => ((target['secret'] as { name: string }).name = 'renamed'));
    await waitFor(() => same(pullNames(r, 'team-a', 'default'), ['mine', 'zzz', 'renamed']));
    expect(saOf(r, 'team-a', 'default')?.metadata.annotations?.[ADDED]).toBeUndefined();

    r.kube.remove('images.banzaicloud.io/v1alpha1', 'ImagePullSecret', 'pull');
    await waitFor(() => !secretOf(r.kube, 'team-a', 'renamed'));
    await settle(r);
    expect(pullNames(r, 'team-a', 'default')).toEqual(['mine', 'zzz', 'renamed']);
    expect(pullNames(r, 'team-b', 'default')).toEqual(['regcred', 'x']);
  });

  it('re-reads and re-plans on a 409 conflict, keeping the entry that caused it', async () => {
    rig = await startRig(objects(), { start: false });
    const r = rig;
    let fired = false;
    r.kube.inject({
      match: (request) => {
        if (fired || request.method !== 'PATCH' || request.path !== '/api/v1/namespaces/team-b/serviceaccounts/default') return false;
        fired = true;
        // Someone writes the ServiceAccount between our read and our patch.
        r.kube.put(sa('team-b', 'default', ['raced']));
        return true;
      },
      status: 409,
      times: 1,
    });
    await r.controller.start();
    await waitFor(() => same(pullNames(r, 'team-b', 'default'), ['raced', 'regcred']));
    expect(fired).toBe(true);
    expect(r.kube.requests.some((q) => q.method === 'GET' && q.path === '/api/v1/namespaces/team-b/serviceaccounts/default')).toBe(true);
    await waitFor(() => statusOf(r.kube, 'pull')?.['status'] === 'Ready');
  });

  it('lists no Secret it could not write: a foreign Secret of the target name holds its namespace back', async () => {
    const foreign: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred', namespace: 'team-b' }, type: 'Opaque', data: { mine: 'eA==' } };
    rig = await startRig([...objects(), foreign]);
    const r = rig;
    await waitFor(() => statusOf(r.kube, 'pull')?.['status'] === 'Failed' && same(pullNames(r, 'team-a', 'default'), ['mine', 'zzz', 'regcred']));
    await settle(r);
    expect(pullNames(r, 'team-b', 'default')).toBeUndefined();
  });

  it('reports a failed patch in status and leaves the Secret alone', async () => {
    rig = await startRig(objects(), { start: false });
    const r = rig;
    r.kube.inject({ match: (q) => q.method === 'PATCH' && q.path === '/api/v1/namespaces/team-b/serviceaccounts/default', status: 403, times: 1 });
    await r.controller.start();
    await waitFor(() => String(statusOf(r.kube, 'pull')?.['reason'] ?? '').includes('ServiceAccount team-b/default'));
    expect(statusOf(r.kube, 'pull')).toMatchObject({ status: 'Failed', conditions: [{ reason: 'ServiceAccountPatchError' }] });
    expect(secretOf(r.kube, 'team-b', 'regcred')).toBeDefined();
    await waitFor(() => same(pullNames(r, 'team-b', 'default'), ['regcred']) && statusOf(r.kube, 'pull')?.['status'] === 'Ready', 3000);
  });
});
