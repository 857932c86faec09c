import { afterEach, describe, expect, it } from 'vitest';
import { CANARY_ECR, CANARY_PASSWORD, dockerConfigOf, dockerSource, ecrSource, imps, ns, secretOf, startRig, statusOf, waitFor, type Rig } from './harness.js';

const ECR_HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const baseObjects = () => [
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
