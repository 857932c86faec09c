import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../fakes/kube-api-server.js';
import { CANARY_PASSWORD, dockerConfigOf, dockerSource, imps, ns, secretOf, startRig, statusOf, waitFor, type Rig } from './harness.js';
import { SHELL_DOCKER_CONFIG } from '../../src/core/render.js';

// docs/security.md, "Tenant isolation": a source Secret's owner names the ImagePullSecrets and namespaces that may
// use it. The controller writes the namespaces a source allows, reports the others in status and Events, never
// writes a Secret with part of the logins, removes what it wrote where consent is withdrawn, and fills no shell in a
// namespace the owner did not name. With --require-source-consent, a source without the annotations is not used.

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const REGISTRY = 'https://index.docker.io/v1/';
const annotated = (source: KubeObject, annotations: Record<string, string>): KubeObject => ({ ...source, metadata: { ...source.metadata, annotations } });
const spec = (namespaces: string[]) => ({ registry: { credentials: [{ namespace: 'creds', name: 'hub' }] }, target: { secret: { name: 'regcred' }, namespaces: { names: namespaces } } });
const events = (rigged: Rig): KubeObject[] => rigged.kube.list('v1', 'Event', 'default');

describe('controller: imps-krm.io/allowed-namespaces', () => {
  it('writes the namespaces the source allows, reports the other in status and an Event, and removes a Secret whose namespace the owner takes back', async () => {
    const source = dockerSource('creds', 'hub', REGISTRY, CANARY_PASSWORD);
    rig = await startRig([ns('default'), ns('creds'), ns('team-a'), ns('team-b'), annotated(source, { 'imps-krm.io/allowed-namespaces': 'team-a' }), imps('pull', spec(['team-a', 'team-b']))]);
    const { kube } = rig;
    await waitFor(() => secretOf(kube, 'team-a', 'regcred'));
    expect(dockerConfigOf(secretOf(kube, 'team-a', 'regcred'))?.auths[REGISTRY]?.password).toBe(CANARY_PASSWORD);
    const status = await waitFor(() => statusOf(kube, 'pull'));
    expect(status).toMatchObject({ status: 'Failed', managedNamespaces: ['team-a'] });
    const message = "source creds.hub: namespace team-b is not in the source Secret's imps-krm.io/allowed-namespaces annotation: this ImagePullSecret's Secret is not rendered there";
    expect(status['reason']).toBe(message);
    expect(status['sourceSecretStatus']).toEqual({ 'creds.hub': "namespace team-b is not in the source Secret's imps-krm.io/allowed-namespaces annotation" });
    const [event] = await waitFor(() => (events(rig!).length > 0 ? events(rig!) : undefined));
    expect(event).toMatchObject({ type: 'Warning', reason: 'SourceCredentialsError', message, involvedObject: { kind: 'ImagePullSecret', name: 'pull' } });
    expect(secretOf(kube, 'team-b', 'regcred')).toBeUndefined();

    // The owner allows both: team-b gets its Secret. Then takes team-a back: the Secret written there goes.
    kube.put(annotated(source, { 'imps-krm.io/allowed-namespaces': 'team-*' }));
    await waitFor(() => secretOf(kube, 'team-b', 'regcred'));
    await waitFor(() => statusOf(kube, 'pull')?.['status'] === 'Ready');
    kube.put(annotated(source, { 'imps-krm.io/allowed-namespaces': 'team-b' }));
    await waitFor(() => secretOf(kube, 'team-a', 'regcred') === undefined);
    expect(secretOf(kube, 'team-b', 'regcred')).toBeDefined();
    expect(JSON.stringify([statusOf(kube, 'pull'), events(rig)]) + rig.logs()).not.toContain(CANARY_PASSWORD);
  });

  it('never writes a Secret with one source\'s half of the logins', async () => {
    const hub = annotated(dockerSource('creds', 'hub', REGISTRY, CANARY_PASSWORD), { 'imps-krm.io/allowed-namespaces': 'team-a,team-b' });
    const quay = annotated(dockerSource('creds', 'quay', 'quay.io', 'CANARY-quay-0007'), { 'imps-krm.io/allowed-namespaces': 'team-a' });
    const both = { ...spec(['team-a', 'team-b']), registry: { credentials: [{ namespace: 'creds', name: 'hub' }, { namespace: 'creds', name: 'quay' }] } };
    rig = await startRig([ns('default'), ns('creds'), ns('team-a'), ns('team-b'), hub, quay, imps('pull', both)]);
    const { kube } = rig;
    await waitFor(() => secretOf(kube, 'team-a', 'regcred'));
    expect(Object.keys(dockerConfigOf(secretOf(kube, 'team-a', 'regcred'))?.auths ?? {}).sort()).toEqual([REGISTRY, 'quay.io']);
    await waitFor(() => statusOf(kube, 'pull'));
    await rig.controller.idle();
    expect(secretOf(kube, 'team-b', 'regcred')).toBeUndefined();
  });

  it('fills no shell in a namespace the source does not allow, and says so', async () => {
    const shell: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'regcred',
        namespace: 'intruder',
        labels: { 'app.kubernetes.io/managed-by': 'imps-krm', 'imps-krm.io/owner': 'pull' },
        annotations: { 'imps-krm.io/refresher-managed': 'true', 'imps-krm.io/image-pull-secret': 'pull' },
      },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': SHELL_DOCKER_CONFIG },
    };
    const source = annotated(dockerSource('creds', 'hub', REGISTRY, CANARY_PASSWORD), { 'imps-krm.io/allowed-namespaces': 'team-a' });
    rig = await startRig([ns('default'), ns('creds'), ns('team-a'), ns('intruder'), source, shell, imps('pull', spec(['team-a']))]);
    const { kube } = rig;
    await waitFor(() => secretOf(kube, 'team-a', 'regcred'));
    const status = await waitFor(() => statusOf(kube, 'pull'));
    expect(status).toMatchObject({ status: 'Failed', managedNamespaces: ['team-a'] });
    expect(status['reason']).toBe("shell intruder/regcred not filled: namespace intruder is not in the source Secret's imps-krm.io/allowed-namespaces annotation");
    expect(secretOf(kube, 'intruder', 'regcred')?.['data']).toEqual({ '.dockerconfigjson': SHELL_DOCKER_CONFIG }); // still the empty config
  });
});

describe('controller --require-source-consent', () => {
  it('uses no source Secret that lacks the annotations, mints and writes nothing, and starts once the owner consents', async () => {
    const source = dockerSource('creds', 'hub', REGISTRY, CANARY_PASSWORD);
    rig = await startRig([ns('default'), ns('creds'), ns('team-a'), source, imps('pull', spec(['team-a']))], { requireSourceConsent: true });
    const { kube } = rig;
    const status = await waitFor(() => statusOf(kube, 'pull'));
    expect(status).toMatchObject({
      status: 'Failed',
      managedNamespaces: [],
      sourceSecretStatus: { 'creds.hub': 'the source Secret has no imps-krm.io/allowed-image-pull-secrets annotation, which --require-source-consent requires' },
    });
    await rig.controller.idle();
    expect(secretOf(kube, 'team-a', 'regcred')).toBeUndefined();

    // Naming the ImagePullSecret is not enough: the namespaces must be named too.
    kube.put(annotated(source, { 'imps-krm.io/allowed-image-pull-secrets': 'pull' }));
    await waitFor(() => String(statusOf(kube, 'pull')?.['reason']).includes('no imps-krm.io/allowed-namespaces annotation, which --require-source-consent requires'));
    expect(secretOf(kube, 'team-a', 'regcred')).toBeUndefined();

    kube.put(annotated(source, { 'imps-krm.io/allowed-image-pull-secrets': 'pull', 'imps-krm.io/allowed-namespaces': 'team-*' }));
    await waitFor(() => secretOf(kube, 'team-a', 'regcred'));
    await waitFor(() => statusOf(kube, 'pull')?.['status'] === 'Ready');
  });

  it('without the flag, a source without annotations is used as IMPS did', async () => {
    rig = await startRig([ns('default'), ns('creds'), ns('team-a'), dockerSource('creds', 'hub', REGISTRY, CANARY_PASSWORD), imps('pull', spec(['team-a']))]);
    await waitFor(() => secretOf(rig!.kube, 'team-a', 'regcred'));
  });
});
