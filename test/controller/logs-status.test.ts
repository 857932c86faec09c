// Issue 10, "logs a person can follow" and the status: one info line per Secret created, updated, adopted,
// refused or deleted and per token obtained or renewed, never a credential; status lists only the namespaces that
// hold the Secret, shows the next renewal, and keeps IMPS's meaning of validitySeconds (absent for static logins).
import { afterEach, describe, expect, it } from 'vitest';
import { buildStatus, statusPatch } from '../../src/controller/imps/status.js';
import type { KubeObject } from '../fakes/kube-api-server.js';
import { CANARY_ECR, CANARY_PASSWORD, CANARY_SECRET_KEY, dockerSource, ecrSource, imps, ns, secretOf, startRig, statusOf, waitFor, type Rig } from './harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const info = (r: Rig): Record<string, unknown>[] =>
  r
    .logs()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line['level'] === 'info');

const UID = 'uid-of-pull';
const impsLeftover: KubeObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: 'regcred',
    namespace: 'team-b',
    labels: { 'images.banzaicloud.io/owner-uid': UID },
    ownerReferences: [{ apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', name: 'pull', uid: UID }],
  },
  type: 'kubernetes.io/dockerconfigjson',
  data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') },
};
const foreign: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred', namespace: 'team-c' }, type: 'Opaque', data: { x: 'eA==' } };

function objects(): KubeObject[] {
  const cr = imps('pull', {
    registry: { credentials: [{ namespace: 'creds', name: 'hub' }, { namespace: 'creds', name: 'ecr' }] },
    target: { secret: { name: 'regcred' }, namespaces: { labels: [{ matchLabels: { team: 'yes' } }] } },
  });
  cr.metadata.uid = UID;
  return [
    ns('default'),
    ns('creds'),
    ns('team-a', { team: 'yes' }),
    ns('team-b', { team: 'yes' }),
    ns('team-c', { team: 'yes' }),
    dockerSource('creds', 'hub', 'https://index.docker.io/v1/', CANARY_PASSWORD),
    ecrSource('creds', 'ecr'),
    cr,
    impsLeftover,
    foreign,
  ];
}

describe('controller logs at info', () => {
  it('one line per Secret written, adopted, refused or deleted and per token, naming namespace, spec and reason, never a credential', async () => {
    rig = await startRig(objects());
    const r = rig;
    const { kube, timers, aws } = r;
    await waitFor(() => statusOf(kube, 'pull')?.['status'] === 'Failed' && secretOf(kube, 'team-a', 'regcred'));
    await r.controller.idle();
    kube.put(ns('team-a', { team: 'no' }));
    await waitFor(() => secretOf(kube, 'team-a', 'regcred') === undefined);
    await r.controller.idle();
    aws.setEcrPassword('AKIDCONTROLLER', 'CANARY-ecr-renewed-0009');
    timers.advance(6 * 3600_000 + 1000);
    await waitFor(() => info(r).some((line) => line['msg'] === 'token renewed'));
    await waitFor(() => info(r).some((line) => line['msg'] === 'Secret updated'));
    await r.controller.idle();

    const lines = info(r).filter((line) => !['controller started', 'token renewal due'].includes(String(line['msg'])));
    const said = lines.map((line) => `${String(line['msg'])} ${String(line['namespace'] ?? line['source'])}: ${String(line['reason'] ?? '')}`);
    expect(said).toEqual([
      'token obtained creds.ecr: ',
      'Secret created team-a: not there yet',
      'Secret adopted team-b: written by IMPS',
      'Secret refused team-c: not-managed',
      'Secret deleted team-a: namespace no longer selected',
      'token renewed creds.ecr: ',
      'Secret updated team-b: out of date: data, annotations',
    ]);
    for (const line of lines.filter((entry) => String(entry['msg']).startsWith('Secret'))) expect(line).toMatchObject({ imagePullSecret: 'pull', secret: 'regcred' });
    // The clock of this rig runs (real time plus an offset): renewal at half the 12 h lifetime, to the second.
    expect(lines[0]).toMatchObject({ source: 'creds.ecr', expiresAt: '2026-11-22T12:00:00.000Z', nextRenewal: expect.stringMatching(/^2026-11-22T06:00:00\./) });
    expect(lines[5]).toMatchObject({ source: 'creds.ecr', expiresAt: '2026-11-22T18:00:01.000Z', nextRenewal: expect.stringMatching(/^2026-11-22T12:00:0[12]\./) });
    for (const canary of [CANARY_PASSWORD, CANARY_ECR, CANARY_SECRET_KEY, 'CANARY']) expect(r.logs()).not.toContain(canary);
  });
});

describe('status', () => {
  it('lists only the namespaces holding the Secret, and shows the next renewal', async () => {
    rig = await startRig(objects());
    const { kube } = rig;
    await waitFor(() => statusOf(kube, 'pull')?.['status'] === 'Failed' && (statusOf(kube, 'pull')?.['managedNamespaces'] as string[]).length === 2);
    expect(statusOf(kube, 'pull')).toMatchObject({ managedNamespaces: ['team-a', 'team-b'], nextRenewal: '2026-11-22T06:00:00Z' });
    expect(statusOf(kube, 'pull')?.['validitySeconds']).toBeGreaterThan(43_100);
  });

  it('has no validitySeconds and no nextRenewal for static logins (IMPS omitted 0), and drops them when a source turns static', async () => {
    const cr = imps('static', { registry: { credentials: [{ namespace: 'creds', name: 'hub' }] }, target: { secret: { name: 'static' }, namespaces: { names: ['team-a'] } } });
    rig = await startRig([ns('default'), ns('creds'), ns('team-a'), dockerSource('creds', 'hub', 'https://index.docker.io/v1/', CANARY_PASSWORD), ecrSource('creds', 'ecr'), cr]);
    const { kube } = rig;
    await waitFor(() => statusOf(kube, 'static')?.['status'] === 'Ready');
    expect(Object.keys(statusOf(kube, 'static')!)).not.toContain('validitySeconds');
    expect(Object.keys(statusOf(kube, 'static')!)).not.toContain('nextRenewal');
    // From an expiring source to a static one: the fields go (a merge patch must send them as null).
    const withEcr = imps('static', { registry: { credentials: [{ namespace: 'creds', name: 'ecr' }] }, target: { secret: { name: 'static' }, namespaces: { names: ['team-a'] } } });
    kube.put({ ...withEcr, metadata: { ...withEcr.metadata, generation: 2 } });
    await waitFor(() => Number(statusOf(kube, 'static')?.['validitySeconds']) > 43_100);
    kube.put({ ...cr, metadata: { ...cr.metadata, generation: 3 } });
    await waitFor(() => statusOf(kube, 'static')?.['observedGeneration'] === 3);
    expect(Object.keys(statusOf(kube, 'static')!)).not.toContain('validitySeconds');
    expect(Object.keys(statusOf(kube, 'static')!)).not.toContain('nextRenewal');
  });

  it('statusPatch sends every field and source that went away as null', () => {
    const now = new Date('2026-11-22T00:00:00Z');
    const before = buildStatus({ generation: 1, failures: [], namespaces: ['a'], sourceStatus: { 'creds.ecr': 'Ok' }, expiresAt: new Date('2026-11-22T12:00:00Z'), nextRenewal: new Date('2026-11-22T06:00:00Z'), wrote: true }, undefined, now);
    const after = buildStatus({ generation: 2, failures: [], namespaces: ['a'], sourceStatus: { 'creds.hub': 'Ok' }, expiresAt: undefined, wrote: true }, before, now);
    expect(statusPatch(before, after)).toMatchObject({ validitySeconds: null, nextRenewal: null, sourceSecretStatus: { 'creds.ecr': null, 'creds.hub': 'Ok' } });
  });
});
