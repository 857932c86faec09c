// Issue 9, "one identity, one fetch": the process's own cloud identity is fetched once per render and shared by every
// client, region and registry that uses it (src/adapters/ambient-identities.ts), through the BUILT CLI. Before, each
// AWS SDK client ran the default chain again: with IRSA, ECR sources in two regions made two
// AssumeRoleWithWebIdentity calls; with EKS Pod Identity, ECR plus ECR Public made two calls to the agent; an Azure
// managed or workload identity was asked once per registry. The fakes count those calls.
// The controller keeps them for their lifetime (below, and over simulated hours in test/controller/ambient-identities.test.ts).
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeKubeApi, type FakeKubeApi, type KubeObject } from '../fakes/kube-api-server.js';
import { BUILT_CLI } from '../e2e/cli-on-path.js';
import { imps, ns } from '../controller/harness.js';
import { ACR_REGISTRY, ACR_REGISTRY_2, authsOf, linesOf, MI_CLIENT, renderInput, renderWithCli, SOURCES, startCloudRig, type CloudRig } from './built-cli-rig.js';

let rig: CloudRig;
beforeAll(async () => {
  rig = await startCloudRig();
});
afterAll(async () => {
  await rig?.close();
});

const ecrIn = (name: string, region: string) => ({ name, data: { ...SOURCES['ecr-keyless']!(), region } });
/** Inline sources (no Secret) use the same identity: added to the ImagePullSecret of `renderInput`. */
const withInline = (input: string, inline: string): string => input.replace('  target:', `    inline:\n${inline}\n  target:`);

async function render(input: string, extra: Record<string, string>): Promise<ReturnType<typeof authsOf>> {
  const ran = await renderWithCli(rig, input, rig.env('direct', extra));
  expect({ code: ran.code, stderr: linesOf(ran.stderr) }).toEqual({ code: 0, stderr: ['rendered 1 Secret for ImagePullSecret pull: namespace app'] });
  return authsOf(ran.stdout);
}

describe('one call per identity per render (built CLI)', () => {
  it('IRSA: ECR in two regions, ECR Public and an inline ECR source share ONE AssumeRoleWithWebIdentity', async () => {
    rig.reset();
    const input = withInline(renderInput([ecrIn('ecr-eu', 'eu-west-1'), ecrIn('ecr-us', 'us-east-1'), 'ecr-public-keyless']), '      - {type: banzaicloud.io/aws-ecr-login-config, config: {region: eu-west-1, accountID: "210987654321"}}');
    const auths = await render(input, rig.webIdentityEnv);
    expect(Object.keys(auths).sort()).toEqual(['123456789012.dkr.ecr.eu-west-1.amazonaws.com', '123456789012.dkr.ecr.us-east-1.amazonaws.com', '210987654321.dkr.ecr.eu-west-1.amazonaws.com', 'public.ecr.aws']);
    const calls = rig.aws.calls.map((c) => `${c.service}:${c.action}${c.region ? `:${c.region}` : ''}`).sort();
    expect(calls.filter((c) => c.startsWith('sts:'))).toEqual(['sts:AssumeRoleWithWebIdentity']);
    // Every token call signed with the role's one set of temporary credentials.
    expect(new Set(rig.aws.calls.filter((c) => c.service !== 'sts').map((c) => c.sessionToken)).size).toBe(1);
    expect(calls.filter((c) => !c.startsWith('sts:'))).toEqual(['ecr-public:GetAuthorizationToken:us-east-1', 'ecr:GetAuthorizationToken:eu-west-1', 'ecr:GetAuthorizationToken:us-east-1']);
  });

  it('EKS Pod Identity: ECR and ECR Public make ONE call to the Pod Identity agent', async () => {
    rig.reset();
    rig.aws.setContainerCredentials({ accessKeyId: 'ASIAPODIDENTITY', secretAccessKey: 'CANARY-pod-secret', authToken: 'pod-auth-token' });
    const auths = await render(renderInput(['ecr-keyless', 'ecr-public-keyless']), rig.aws.containerEnv());
    expect(auths['public.ecr.aws']?.password).toBe('ecr-password-for-ASIAPODIDENTITY');
    expect(rig.aws.calls.filter((c) => c.service === 'container-credentials')).toHaveLength(1);
    expect(rig.aws.calls.filter((c) => c.service !== 'container-credentials')).toHaveLength(2);
  });

  it('Azure managed identity: two registries (one with a scoped token) make ONE IMDS call', async () => {
    rig.reset();
    const scoped = { name: 'acr-scoped', data: { ...SOURCES['acr-mi']!(), registry: ACR_REGISTRY_2, scope: 'repository:team/app:pull' } };
    const auths = await render(renderInput(['acr-mi', scoped]), {});
    expect(Object.keys(auths).sort()).toEqual([ACR_REGISTRY, ACR_REGISTRY_2]);
    expect(rig.azure.calls.filter((c) => c.endpoint === 'imds')).toMatchObject([{ params: { client_id: MI_CLIENT } }]);
    expect(rig.azure.calls.filter((c) => c.endpoint === 'acr-exchange')).toHaveLength(2);
    expect(rig.azure.calls.filter((c) => c.endpoint === 'acr-token')).toHaveLength(1);
  });

  it('Azure workload identity: two registries make ONE Entra ID token call', async () => {
    rig.reset();
    const second = { name: 'acr-second', data: { ...SOURCES['acr-wi']!(), registry: ACR_REGISTRY_2 } };
    await render(renderInput(['acr-wi', second]), rig.workloadIdentityEnv);
    expect(rig.azure.calls.filter((c) => c.endpoint === 'entra-token')).toHaveLength(1);
    expect(rig.azure.calls.filter((c) => c.endpoint === 'acr-exchange')).toHaveLength(2);
  });

  it('Google metadata server: two registries and an inline source make ONE token call', async () => {
    rig.reset();
    const gcr = { name: 'gcr', data: { ...SOURCES['gar-metadata']!(), registry: 'gcr.io' } };
    const input = withInline(renderInput(['gar-metadata', gcr]), '      - {type: imps-krm.io/gar-login-config, config: {registry: us-docker.pkg.dev}}');
    const auths = await render(input, {});
    expect(Object.keys(auths).sort()).toEqual(['europe-west1-docker.pkg.dev', 'gcr.io', 'us-docker.pkg.dev']);
    expect(rig.google.calls.filter((c) => c.endpoint === 'metadata-token')).toHaveLength(1);
  });
});

describe('the built controller keeps each identity while it is valid', () => {
  let kube: FakeKubeApi;
  beforeAll(async () => {
    const secret = (name: string, data: Record<string, string>): KubeObject => {
      const { type, ...stringData } = data;
      return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'ra' }, type: type!, stringData };
    };
    kube = await startFakeKubeApi({
      objects: [
        ns('default'),
        ns('ra'),
        ns('app'),
        secret('ecr', SOURCES['ecr-keyless']!()),
        secret('acr', SOURCES['acr-wi']!()),
        imps('pull-ecr', { registry: { credentials: [{ namespace: 'ra', name: 'ecr' }] }, target: { secret: { name: 'pull-ecr' }, namespaces: { names: ['app'] } } }),
        imps('pull-acr', { registry: { credentials: [{ namespace: 'ra', name: 'acr' }] }, target: { secret: { name: 'pull-acr' }, namespaces: { names: ['app'] } } }),
      ],
    });
  });
  afterAll(async () => {
    await kube?.close();
  });

  it('IRSA and workload identity: registry tokens living 4 s renewed again and again on ONE identity call each', async () => {
    rig.reset();
    rig.aws.setTokenLifetimeSeconds(4);
    rig.azure.setLifetimes(4, 4);
    rig.azure.setNow(() => new Date());
    const env = rig.env('direct', { ...rig.webIdentityEnv, ...rig.workloadIdentityEnv });
    const child = spawn(process.execPath, [BUILT_CLI, 'controller', '--kubeconfig', kube.kubeconfigPath, '--metrics-addr', '127.0.0.1:0', '--health-addr', '127.0.0.1:0', '--explain-addr', '127.0.0.1:0'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const ecr = () => rig.aws.calls.filter((c) => c.action === 'GetAuthorizationToken').length;
    const acr = () => rig.azure.calls.filter((c) => c.endpoint === 'acr-exchange').length;
    try {
      const deadline = Date.now() + 20_000;
      while ((ecr() < 4 || acr() < 4) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    expect({ ecr: ecr() >= 4, acr: acr() >= 4 }, stderr).toEqual({ ecr: true, acr: true });
    expect(rig.aws.calls.filter((c) => c.action === 'AssumeRoleWithWebIdentity')).toHaveLength(1);
    expect(rig.azure.calls.filter((c) => c.endpoint === 'entra-token')).toHaveLength(1);
  });
});
