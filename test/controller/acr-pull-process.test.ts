// `imps-krm controller --acr-pull-bindings` (the built CLI, a child process): the msi-acrpull flags, and workload
// identity end to end: the binding's own ServiceAccount token from the API server (TokenRequest, judged by
// deploy/acrpull's admission policy), exchanged at the Entra fake (https, as MSAL requires) for an ACR token.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROLLER } from '../admission/attempts.js';
import { ACRPULL_POLICIES, assertAdmitted, CONTROLLER_POLICIES, policyAdmission } from '../admission/fake-admission.js';
import { startFakeAzure, type FakeAzure } from '../fakes/azure-server.js';
import { startFakeKubeApi, type FakeKubeApi, type KubeObject } from '../fakes/kube-api-server.js';
import { guardedEnv } from '../guard/child-env.js';
import { cloudTls } from '../providers/cloud-tls.js';
import { waitFor } from '../support/wait-for.js';
import { dockerConfigOf, ns } from './harness.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const V2 = 'acrpull.microsoft.com/v1beta2';
const CLIENT = '22222222-aaaa-bbbb-cccc-000000000002';
const TENANT = '33333333-aaaa-bbbb-cccc-000000000003';

let azure: FakeAzure;
beforeAll(async () => {
  azure = await startFakeAzure(cloudTls());
});
afterAll(async () => {
  await azure.close();
});

/** Runs the built controller until `until` holds, then SIGTERM; returns its exit code and stderr. */
async function runController(kube: FakeKubeApi, args: string[], until: () => unknown, extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'controller', '--kubeconfig', kube.kubeconfigPath, '--metrics-addr', '', '--health-addr', '', '--explain-addr', '', ...args], {
    env: guardedEnv({
      ...process.env,
      NODE_EXTRA_CA_CERTS: cloudTls().caFile,
      AZURE_AUTHORITY_HOST: azure.authorityHost,
      AZURE_POD_IDENTITY_AUTHORITY_HOST: azure.httpUrl,
      IMPS_KRM_INSECURE_REGISTRY_HOSTS: '127.0.0.1',
      ...extraEnv,
    }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await waitFor(until, 'the controller', 20_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${stderr}`);
    });
  } finally {
    child.kill('SIGTERM');
  }
  return { code: await exited, stderr };
}

describe('imps-krm controller --acr-pull-bindings (built CLI)', () => {
  it("msi-acrpull's README sample, unchanged (as `kubectl apply -f` stores it, in namespace default): its Secret from veryimportantcr.azurecr.io, reached by name", async () => {
    const admission = policyAdmission(CONTROLLER_POLICIES, ACRPULL_POLICIES);
    azure.reset();
    const resourceId = '/subscriptions/712288dc-f816-4242-b73f-a0a87265dcc8/resourceGroups/my-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/my-acr-puller';
    azure.allowManagedIdentity(resourceId);
    const sample = parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'render-providers', 'msi-acrpull-readme-sample', 'input', 'acrpullbinding.yaml'), 'utf8')) as KubeObject;
    const kube = await startFakeKubeApi({
      users: { 'fake-token': CONTROLLER },
      admission: admission.hook,
      objects: [ns('default'), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } }, { ...sample, metadata: { ...sample.metadata, namespace: 'default' } }],
    });
    try {
      const redirect = pathToFileURL(join(import.meta.dirname, '..', 'fakes', 'host-redirect.mjs')).href;
      const secret = (): KubeObject | undefined => kube.get('v1', 'Secret', 'acrpulltest-msi-acrpull-secret', 'default');
      const run = await runController(kube, ['--acr-pull-bindings'], () => kube.get('msi-acrpull.microsoft.com/v1beta1', 'AcrPullBinding', 'acrpulltest', 'default')?.['status'], {
        NODE_OPTIONS: `--import=${redirect} ${process.env['NODE_OPTIONS'] ?? ''}`,
        IMPS_KRM_TEST_HOST_REDIRECT: `veryimportantcr.azurecr.io=${azure.authorityHost}`,
      });
      expect(run.code).toBe(0);
      expect(Object.keys(dockerConfigOf(secret())?.auths ?? {})).toEqual(['veryimportantcr.azurecr.io']);
      expect(kube.get('v1', 'ServiceAccount', 'default', 'default')?.['imagePullSecrets']).toEqual([{ name: 'acrpulltest-msi-acrpull-secret' }]);
      expect(kube.get('msi-acrpull.microsoft.com/v1beta1', 'AcrPullBinding', 'acrpulltest', 'default')?.['status']).toEqual({ lastTokenRefreshTime: expect.any(String), tokenExpirationTime: expect.any(String) });
    } finally {
      await kube.close();
    }
    assertAdmitted(admission);
  });

  it("workload identity: the binding's ServiceAccount token (audience api://AzureCRTokenExchange) is exchanged at Entra ID for that namespace's own identity", async () => {
    const admission = policyAdmission(CONTROLLER_POLICIES, ACRPULL_POLICIES);
    azure.reset();
    azure.allowFederatedSubject(CLIENT, TENANT, 'system:serviceaccount:team:puller');
    const kube = await startFakeKubeApi({
      users: { 'fake-token': CONTROLLER },
      admission: admission.hook,
      objects: [
        ns('team'),
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'puller', namespace: 'team', annotations: { 'azure.workload.identity/client-id': CLIENT, 'azure.workload.identity/tenant-id': TENANT } } },
        {
          apiVersion: V2,
          kind: 'AcrPullBinding',
          metadata: { name: 'wi', namespace: 'team' },
          spec: { acr: { server: azure.httpUrl, scope: 'repository:team/app:pull', environment: 'PublicCloud' }, auth: { workloadIdentity: { serviceAccountRef: 'puller' } }, serviceAccountName: 'puller' },
        },
      ],
    });
    try {
      const run = await runController(kube, ['--acr-pull-bindings', '--ttl-rotation-fraction', '0.5'], () => kube.get(V2, 'AcrPullBinding', 'wi', 'team')?.['status']);
      expect(run.code).toBe(0);
      const written = kube.get('v1', 'Secret', 'acr-pull-wi', 'team');
      expect(Object.keys(dockerConfigOf(written)?.auths ?? {})).toEqual([azure.httpUrl]);
      expect(kube.issuedTokens).toEqual([{ namespace: 'team', serviceAccount: 'puller', audiences: ['api://AzureCRTokenExchange'], expirationSeconds: 600 }]);
      const entra = azure.calls.filter((call) => call.endpoint === 'entra-token');
      expect(entra).toHaveLength(1);
      expect(entra[0]!.params).toMatchObject({ tenant: TENANT, client_id: CLIENT, client_assertion: '[set]' });
      expect(azure.calls.some((call) => call.endpoint === 'imds')).toBe(false);
      expect(kube.get('v1', 'ServiceAccount', 'puller', 'team')?.['imagePullSecrets']).toEqual([{ name: 'acr-pull-wi' }]);
      expect(admission.judged.some((entry) => entry.policy === 'imps-krm-controller-service-account-tokens' && entry.denied.length === 0)).toBe(true);
      expect(run.stderr).not.toContain('eyJ'); // no token (JWT) in any log line
    } finally {
      await kube.close();
    }
    assertAdmitted(admission);
  });

  it('--allowed-acr-server-suffixes (msi-acrpull) replaces IMPS_KRM_ACR_ALLOWED_SUFFIXES: a registry outside it is refused before any identity is asked', async () => {
    azure.reset();
    const admission = policyAdmission(CONTROLLER_POLICIES, ACRPULL_POLICIES);
    const kube = await startFakeKubeApi({
      users: { 'fake-token': CONTROLLER },
      admission: admission.hook,
      objects: [
        ns('team'),
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'team' } },
        { apiVersion: 'msi-acrpull.microsoft.com/v1beta1', kind: 'AcrPullBinding', metadata: { name: 'pull', namespace: 'team' }, spec: { acrServer: 'myreg.azurecr.io', managedIdentityClientID: CLIENT } },
      ],
    });
    try {
      const error = (): string | undefined => (kube.get('msi-acrpull.microsoft.com/v1beta1', 'AcrPullBinding', 'pull', 'team')?.['status'] as { error?: string } | undefined)?.error;
      const run = await runController(kube, ['--acr-pull-bindings', '--allowed-acr-server-suffixes', 'internal.example', '--allowed-acr-server-suffixes=.Other.Example.'], error);
      expect(run.code).toBe(0);
      expect(error()).toContain('ACR registry myreg.azurecr.io is not in the allowed suffixes (internal.example, other.example)');
      expect(azure.calls).toEqual([]);
    } finally {
      await kube.close();
    }
    assertAdmitted(admission);
  });

  it('without the CRDs (the flag but not deploy/acrpull): it says which list fails, and does not start', async () => {
    const kube = await startFakeKubeApi({ users: { 'fake-token': CONTROLLER }, objects: [ns('team')] });
    kube.inject({ match: (request) => request.path.includes('/acrpullbindings'), status: 404, times: Infinity });
    try {
      const since = Date.now();
      // Long enough for the process to be up (its SIGTERM handler installed) and to have retried.
      const run = await runController(kube, ['--acr-pull-bindings'], () => Date.now() - since > 1500 && kube.requests.some((request) => request.path.includes('/acrpullbindings')));
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('"msg":"list/watch failed, retrying","path":"/apis/');
      expect(run.stderr).toContain('/acrpullbindings');
      // Nothing started while the lists failed (the caches' waits end with the shutdown, after it).
      const started = run.stderr.indexOf('"msg":"controller started"');
      expect(started < 0 || started > run.stderr.indexOf('"msg":"shutting down"')).toBe(true);
    } finally {
      await kube.close();
    }
  });

  it('bad msi-acrpull flags are usage errors (exit 2) before anything starts', async () => {
    const usage = (args: string[]): Promise<{ code: number | null; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [CLI, 'controller', ...args], { env: guardedEnv({ ...process.env }), stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    expect(await usage(['--acr-pull-bindings', '--label-selector', 'shard in (a'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--label-selector must be a Kubernetes label selector') });
    expect(await usage(['--label-selector', 'shard=a'])).toMatchObject({ code: 2, stderr: expect.stringContaining('it needs --acr-pull-bindings') });
    expect(await usage(['--ttl-rotation-fraction', '0.5', '--renew-fraction', '0.4'])).toMatchObject({ code: 2 });
    expect(await usage(['--ttl-rotation-fraction', '2'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--renew-fraction must be a number in (0, 1]') });
    expect(await usage(['--allowed-acr-server-suffixes', 'bad suffix!'])).toMatchObject({ code: 2 });
  });
});
