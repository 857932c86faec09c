// The Amazon ECR Public credentials helper's job, done by the drop-in deploy/ecr-public-helper/cronjob.yaml: the
// CronJob's own command (its args, with $(TARGET_NAMESPACES) expanded as Kubernetes expands it) run by the built CLI,
// with the helper's inputs: the three namespaces of its README (default prometheus my-app), its ServiceAccount's
// IRSA role (web identity, through the AWS fake's STS), the Secret ecr-public-token. The fake API server judges every
// write with deploy/ecr-public-helper's admission policy, as that ServiceAccount.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { assertAdmitted, policyAdmission, type PolicyAdmission } from '../admission/fake-admission.js';
import { BUILT_CLI, REPO } from '../e2e/cli-on-path.js';
import { startFakeAws, tempAccessKeyIdForRole, type FakeAws } from '../fakes/aws-server.js';
import { startFakeKubeApi, type FakeKubeApi, type KubeObject } from '../fakes/kube-api-server.js';
import { guardedEnv } from '../guard/child-env.js';
import { b64, ns } from './harness.js';

const HELPER = 'system:serviceaccount:ecr-public-creds-helper:sa-secrets-editor';
const ROLE = 'arn:aws:iam::123456789012:role/AmazonECRPublicAuthOnly';
const README_NAMESPACES = 'default prometheus my-app';

interface Container {
  args: string[];
  env: Array<{ name: string; value: string }>;
}
const cronJob = parse(readFileSync(join(REPO, 'deploy', 'ecr-public-helper', 'cronjob.yaml'), 'utf8')) as {
  apiVersion: string;
  metadata: { name: string };
  spec: { schedule: string; jobTemplate: { spec: { template: { spec: { serviceAccountName: string; containers: Container[] } } } } };
};
const container = cronJob.spec.jobTemplate.spec.template.spec.containers[0]!;

/** The container's args as the kubelet runs them: $(VAR) replaced by the container's env (TARGET_NAMESPACES set to `targets`). */
function commandFor(targets: string): string[] {
  const env = new Map(container.env.map((entry) => [entry.name, entry.name === 'TARGET_NAMESPACES' ? targets : entry.value]));
  return container.args.map((arg) => arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env.get(name) ?? whole));
}

let aws: FakeAws;
let dir: string;
let kube: FakeKubeApi | undefined;
let admission: PolicyAdmission | undefined;
beforeAll(async () => {
  aws = await startFakeAws();
  dir = mkdtempSync(join(tmpdir(), 'imps-krm-ecr-public-'));
  writeFileSync(join(dir, 'token'), 'projected-sa-token');
});
afterAll(async () => {
  await aws.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await kube?.close();
  kube = undefined;
  if (admission) assertAdmitted(admission);
  admission = undefined;
  aws.reset();
});

/** The helper's Secret as `kubectl create secret docker-registry --docker-server=https://public.ecr.aws` left it. */
function helperSecret(namespace: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'ecr-public-token', namespace },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { 'https://public.ecr.aws': { username: 'AWS', password: 'old-token', auth: b64('AWS:old-token') } } })) },
  };
}

async function startCluster(objects: KubeObject[]): Promise<FakeKubeApi> {
  admission = policyAdmission('deploy/ecr-public-helper/admission-policy.yaml');
  kube = await startFakeKubeApi({ objects, users: { 'fake-token': HELPER }, admission: admission.hook });
  return kube;
}

/** The CronJob's container, run as the kubelet would (KUBECONFIG stands for the in-cluster ServiceAccount). */
function runJob(api: FakeKubeApi, targets: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BUILT_CLI, ...commandFor(targets)],
      {
        env: guardedEnv({
          ...process.env,
          KUBECONFIG: api.kubeconfigPath,
          ...aws.env(),
          // What the EKS Pod Identity Webhook injects for an IRSA ServiceAccount.
          AWS_ROLE_ARN: ROLE,
          AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, 'token'),
          AWS_REGION: 'eu-west-1',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_ACCESS_KEY_ID: undefined,
          AWS_SECRET_ACCESS_KEY: undefined,
        }),
        timeout: 30_000,
      },
      (error, stdout, stderr) => resolve({ code: error && typeof error.code === 'number' ? error.code : error ? 1 : 0, stdout, stderr }),
    );
  });
}

function loginOf(api: FakeKubeApi, namespace: string): { key: string; username: string; password: string; auth: string } | undefined {
  const secret = api.get('v1', 'Secret', 'ecr-public-token', namespace);
  const raw = (secret?.['data'] as Record<string, string> | undefined)?.['.dockerconfigjson'];
  if (!raw || secret?.['type'] !== 'kubernetes.io/dockerconfigjson') return undefined;
  const auths = (JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as { auths: Record<string, { username: string; password: string; auth: string }> }).auths;
  const [key, login] = Object.entries(auths)[0] ?? [];
  return key && login ? { key, ...login } : undefined;
}

describe("the ECR Public helper's CronJob, drop-in (deploy/ecr-public-helper)", () => {
  it("keeps the helper's interface: name, schedule, batch/v1, ServiceAccount sa-secrets-editor, TARGET_NAMESPACES", () => {
    expect(cronJob.apiVersion).toBe('batch/v1');
    expect(cronJob.metadata.name).toBe('ecr-public-creds-helper');
    expect(cronJob.spec.schedule).toBe('0 */8 * * *');
    expect(cronJob.spec.jobTemplate.spec.template.spec.serviceAccountName).toBe('sa-secrets-editor');
    expect(container.env).toEqual([{ name: 'TARGET_NAMESPACES', value: 'default foo bar' }]);
    expect(commandFor(README_NAMESPACES)).toContain('--target-namespaces=default prometheus my-app');
  });

  it("the README's three namespaces: ecr-public-token in each (key https://public.ecr.aws, username AWS), minted once with the IRSA role; the helper's own Secret patched in place", async () => {
    aws.allowWebIdentity(ROLE, 'projected-sa-token');
    // One instant for both runs: the second mints a token with the same expiry, so it finds every Secret current.
    const now = new Date();
    aws.setNow(() => now);
    const api = await startCluster([ns('default'), ns('prometheus'), ns('my-app'), helperSecret('default')]);
    const before = api.get('v1', 'Secret', 'ecr-public-token', 'default')!.metadata.uid;
    const run = await runJob(api, README_NAMESPACES);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    const password = `ecr-password-for-${tempAccessKeyIdForRole(ROLE)}`;
    for (const namespace of ['default', 'prometheus', 'my-app']) {
      expect(loginOf(api, namespace)).toEqual({ key: 'https://public.ecr.aws', username: 'AWS', password, auth: b64(`AWS:${password}`) });
    }
    // Same object (no delete-then-create window), now marked as ours.
    const patched = api.get('v1', 'Secret', 'ecr-public-token', 'default')!;
    expect(patched.metadata.uid).toBe(before);
    expect(patched.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'imps-krm', 'imps-krm.io/owner': 'ecr-public-token' });
    // AssumeRoleWithWebIdentity is unsigned (no region in a credential scope); ECR Public answers in us-east-1 only.
    expect(aws.calls.map((call) => `${call.service}:${call.action}`)).toEqual(['sts:AssumeRoleWithWebIdentity', 'ecr-public:GetAuthorizationToken']);
    expect(aws.calls[1]).toMatchObject({ region: 'us-east-1', accessKeyId: tempAccessKeyIdForRole(ROLE) });
    expect(api.requests.filter((request) => request.method === 'DELETE')).toEqual([]);
    expect(run.stderr).not.toContain(password);
    expect(JSON.parse(run.stderr.trim().split('\n').at(-1)!)).toMatchObject({ level: 'info', msg: 'refreshed', target: 'ecr-public-token in default, prometheus, my-app' });

    // The next run: nothing changed, nothing written.
    api.resetRequests();
    expect((await runJob(api, README_NAMESPACES)).code).toBe(0);
    expect(api.requests.filter((request) => request.method !== 'GET')).toEqual([]);
  });

  it('a namespace that does not exist fails the job (exit 1) but not the other namespaces', async () => {
    aws.allowWebIdentity(ROLE, 'projected-sa-token');
    const api = await startCluster([ns('default'), ns('my-app')]);
    const run = await runJob(api, 'default ghost my-app');
    expect(run.code).toBe(1);
    expect(loginOf(api, 'default')?.username).toBe('AWS');
    expect(loginOf(api, 'my-app')?.username).toBe('AWS');
    expect(run.stderr).toContain('Secret ghost/ecr-public-token');
  });

  it('the IRSA role refused: nothing written, the existing Secret untouched, exit 1', async () => {
    aws.allowWebIdentity(ROLE, 'another-token');
    const api = await startCluster([ns('default'), helperSecret('default')]);
    const run = await runJob(api, 'default');
    expect(run.code).toBe(1);
    expect(loginOf(api, 'default')?.password).toBe('old-token');
    expect(run.stderr).toContain('InvalidIdentityToken');
  });

  it('a bad TARGET_NAMESPACES is a usage error naming the entry, not echoing it', async () => {
    const api = await startCluster([ns('default')]);
    const run = await runJob(api, 'default Not_A_Namespace');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--target-namespaces: entry 2 is not a namespace name');
    expect(run.stderr).not.toContain('Not_A_Namespace');
  });
});

describe("the recommended setup: the controller with examples/ecr-public-helper's ImagePullSecret", () => {
  it("takes over namespace by namespace: the helper's Secrets are refused (not imps-krm's), each re-created within a moment once deleted", async () => {
    const { startRig, secretOf, statusOf, waitFor } = await import('./harness.js');
    const { withEnv } = await import('../support/env.js');
    const spec = parse(readFileSync(join(REPO, 'examples', 'ecr-public-helper', 'image-pull-secret.yaml'), 'utf8')) as KubeObject;
    const restore = withEnv({ AWS_ACCESS_KEY_ID: 'AKIDCONTROLLER', AWS_SECRET_ACCESS_KEY: 'CANARY-controller-secret', AWS_EC2_METADATA_DISABLED: 'true' });
    const rig = await startRig([ns('default'), ns('prometheus'), ns('my-app'), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'prometheus' } }, helperSecret('default'), spec]);
    try {
      await waitFor(() => String(statusOf(rig.kube, 'ecr-public')?.['reason'] ?? '').includes('default/ecr-public-token'));
      expect(statusOf(rig.kube, 'ecr-public')?.['managedNamespaces']).toEqual(['my-app', 'prometheus']);
      expect(loginOf(rig.kube, 'prometheus')).toMatchObject({ key: 'https://public.ecr.aws', username: 'AWS' });
      expect(rig.kube.get('v1', 'ServiceAccount', 'default', 'prometheus')?.['imagePullSecrets']).toEqual([{ name: 'ecr-public-token' }]);
      expect(loginOf(rig.kube, 'default')?.password).toBe('old-token');
      // The CronJob deleted, then its Secret: the controller writes its own at once.
      rig.kube.remove('v1', 'Secret', 'ecr-public-token', 'default');
      await waitFor(() => secretOf(rig.kube, 'default', 'ecr-public-token')?.metadata.labels?.['imps-krm.io/owner'] === 'ecr-public');
      await waitFor(() => statusOf(rig.kube, 'ecr-public')?.['status'] === 'Ready');
    } finally {
      await rig.close();
      restore();
    }
  });
});
