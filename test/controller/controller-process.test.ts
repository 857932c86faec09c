import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeKubeApi, type FakeKubeApi } from '../fakes/kube-api-server.js';
import { guardedEnv } from '../guard/child-env.js';
import { CONTROLLER } from '../admission/attempts.js';
import { assertAdmitted, CONTROLLER_POLICIES, policyAdmission } from '../admission/fake-admission.js';
import { dockerSource, imps, ns, secretOf, waitFor } from './harness.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const admission = policyAdmission(CONTROLLER_POLICIES);
let kube: FakeKubeApi;
beforeAll(async () => {
  kube = await startFakeKubeApi({
    users: { 'fake-token': CONTROLLER },
    admission: admission.hook,
    objects: [
      ns('default'),
      ns('creds'),
      ns('app', { pull: 'yes' }),
      dockerSource('creds', 'hub', 'r.example', 'CANARY-process-password-0007'),
      imps('pull', { registry: { credentials: [{ namespace: 'creds', name: 'hub' }] }, target: { secret: { name: 'regcred' }, namespaces: { labels: [{ matchLabels: { pull: 'yes' } }] } } }),
    ],
  });
});
afterAll(async () => {
  await kube.close();
  assertAdmitted(admission);
});

describe('imps-krm controller (built CLI, child process)', () => {
  it('reconciles, serves probes and metrics, logs JSON on stderr only, and exits 0 on SIGTERM after freeing its Lease', async () => {
    const child = spawn(process.execPath, [CLI, 'controller', '--kubeconfig', kube.kubeconfigPath, '--metrics-addr', '127.0.0.1:0', '--health-addr', '127.0.0.1:0', '--leader-elect', '--leader-election-namespace', 'default'], {
      env: guardedEnv({ ...process.env, AWS_EC2_METADATA_DISABLED: 'true' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => secretOf(kube, 'app', 'regcred'), 10_000);
      await waitFor(() => kube.get('images.banzaicloud.io/v1alpha1', 'ImagePullSecret', 'pull')?.['status'], 5000);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n').map((line) => JSON.parse(line) as { msg: string; level: string });
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['became leader', 'controller started', 'shutting down']));
    expect(stderr).not.toContain('CANARY');
    expect(kube.get('coordination.k8s.io/v1', 'Lease', 'imps-krm-controller', 'default')?.['spec']).toMatchObject({ holderIdentity: '' });
  });
});

describe('imps-krm controller --require-source-consent (built CLI, child process)', () => {
  it('reaches the reconciler: a source Secret without consent annotations is not used, and the Secret it gave is removed', async () => {
    // The test above left the Secret the source gave without any consent annotation.
    expect(secretOf(kube, 'app', 'regcred')).toBeDefined();
    const child = spawn(process.execPath, [CLI, 'controller', '--kubeconfig', kube.kubeconfigPath, '--metrics-addr', '', '--require-source-consent'], {
      env: guardedEnv({ ...process.env, AWS_EC2_METADATA_DISABLED: 'true' }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const status = await waitFor(() => {
        const current = kube.get('images.banzaicloud.io/v1alpha1', 'ImagePullSecret', 'pull')?.['status'] as Record<string, unknown> | undefined;
        return String(current?.['reason']).includes('--require-source-consent') ? current : undefined;
      }, 10_000);
      expect(status).toMatchObject({ status: 'Failed', managedNamespaces: [] });
      await waitFor(() => secretOf(kube, 'app', 'regcred') === undefined, 5000);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).not.toContain('CANARY');
  });
});

describe('imps-krm controller flags', () => {
  it('has no --event-namespace: Events about cluster-scoped ImagePullSecrets are accepted only in default', async () => {
    const child = spawn(process.execPath, [CLI, 'controller', '--kubeconfig', kube.kubeconfigPath, '--event-namespace', 'imps-krm-system'], {
      env: guardedEnv({ ...process.env, AWS_EC2_METADATA_DISABLED: 'true' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(2); // a usage error
    expect(stderr).toContain('--event-namespace');
  });
});
