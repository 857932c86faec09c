// `imps-krm explain --controller URL` (controller-cache mode), end to end through the built CLI: a controller child
// process serves /explain from its caches on loopback, the CLI reads it as `kubectl port-forward` would let it. What
// the controller sees must be what live mode sees of the same cluster, and nothing in it may be a credential.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainEndpoint } from '../../src/controller/imps/explain-cache.js';
import type { Explanation } from '../../src/generated/explanation.js';
import { validateExplanation } from '../../src/generated/validators.js';
import { BUILT_CLI, run } from '../e2e/cli-on-path.js';
import { startFakeKubeApi, type FakeKubeApi, type KubeObject } from '../fakes/kube-api-server.js';
import { guardedEnv } from '../guard/child-env.js';
import { dockerSource, imps, ns, waitFor } from './harness.js';

const PASSWORD = 'CANARY-explain-controller-password-0009';
const source = dockerSource('creds', 'hub', 'r.example', PASSWORD);
source.metadata.annotations = { 'imps-krm.io/allowed-namespaces': 'app,ops,web-*' };
const pullSpec = {
  registry: { credentials: [{ namespace: 'creds', name: 'hub' }] },
  target: {
    secret: { name: 'regcred' },
    namespaces: { labels: [{ matchLabels: { pull: 'yes' } }], names: ['gone'] },
    namespacesWithPods: { annotations: [{ matchAnnotations: { 'sidecar.istio.io/inject': 'true' } }] },
    excludeNamespaces: ['ops'],
  },
};
const pod = (namespace: string, name: string, annotations: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, annotations },
  spec: { containers: [{ name: 'app', image: 'r.example/app:1' }] },
});
const OBJECTS: KubeObject[] = [
  ns('default'),
  ns('creds'),
  ns('app', { pull: 'yes' }),
  ns('ops', { pull: 'yes' }),
  ns('billing', { pull: 'yes' }),
  ns('web-shop'),
  ns('other'),
  source,
  pod('web-shop', 'api-0', {}),
  pod('web-shop', 'web-0', { 'sidecar.istio.io/inject': 'true' }),
  imps('pull', pullSpec),
  // No target Secret: invalid, reported with its problems, never taken for nothing.
  imps('broken', { registry: pullSpec.registry, target: { namespaces: { names: ['app'] } } }),
];

let kube: FakeKubeApi;
let controller: ChildProcess;
let controllerStderr = '';
let base: string;
let work: string;
const env = guardedEnv({ ...process.env, AWS_EC2_METADATA_DISABLED: 'true' });

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

beforeAll(async () => {
  kube = await startFakeKubeApi({ objects: OBJECTS });
  work = mkdtempSync(join(tmpdir(), 'imps-explain-controller-'));
  writeFileSync(join(work, 'pull.yaml'), stringify(imps('pull', pullSpec)));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  controller = spawn(process.execPath, [BUILT_CLI, 'controller', '--kubeconfig', kube.kubeconfigPath, '--metrics-addr', '', '--health-addr', '', '--explain-addr', `127.0.0.1:${port}`], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  controller.stderr!.on('data', (chunk: Buffer) => (controllerStderr += chunk.toString()));
  // Answers 503 until its caches are synced, and the Secret shows the first reconcile is done.
  await waitFor(() => kube.get('v1', 'Secret', 'regcred', 'app'), 15_000);
  let status = 0;
  for (const deadline = Date.now() + 10_000; status !== 200 && Date.now() < deadline; ) {
    status = await fetch(`${base}/explain`).then((response) => response.status, () => 0);
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(status).toBe(200);
}, 40_000);

afterAll(async () => {
  if (controller && controller.exitCode === null) {
    const exited = new Promise((resolve) => controller.on('exit', resolve));
    controller.kill('SIGTERM');
    await exited;
  }
  await kube?.close();
  expect(controllerStderr).not.toContain('CANARY');
});

const cli = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => run(process.execPath, [BUILT_CLI, 'explain', ...args], { cwd: work, env });

describe('imps-krm explain --controller (controller-cache mode, built CLI)', () => {
  it('says what the controller sees, as live mode sees the same cluster', async () => {
    const cached = await cli(['--controller', base, '-o', 'json']);
    expect(cached).toMatchObject({ code: 0, stderr: 'warning: ImagePullSecret/broken: invalid spec, so no namespace gets its Secret: spec.target.secret: required\n' });
    const document = JSON.parse(cached.stdout) as Explanation;
    expect(validateExplanation(document)).toBe(true);
    expect(document.mode).toBe('controller-cache');
    expect(document.imagePullSecrets.map((entry) => entry.name)).toEqual(['broken', 'pull']);
    expect(document.imagePullSecrets[0]).toMatchObject({ name: 'broken', secret: '', namespaces: [], problems: ['invalid spec, so no namespace gets its Secret: spec.target.secret: required'] });

    const live = await cli(['-f', 'pull.yaml', '--cluster', 'live', '--kubeconfig', kube.kubeconfigPath, '-o', 'json']);
    expect(live).toMatchObject({ code: 0, stderr: '' });
    const liveDocument = JSON.parse(live.stdout) as Explanation;
    expect(document.imagePullSecrets[1]).toEqual(liveDocument.imagePullSecrets[0]);
    expect(document.cluster).toBe(liveDocument.cluster);

    const verdicts = Object.fromEntries(document.imagePullSecrets[1]!.namespaces.map((entry) => [entry.namespace, entry.verdict]));
    expect(verdicts).toEqual({ app: 'selected', billing: 'refused', gone: 'missing', ops: 'excluded', 'web-shop': 'selected' });
    expect(document.imagePullSecrets[1]!.namespaces.find((entry) => entry.namespace === 'web-shop')!.matches).toEqual([
      { rule: 'spec.target.namespacesWithPods.annotations[0]', pod: { kind: 'Pod', namespace: 'web-shop', name: 'web-0' } },
    ]);
    expect(cached.stdout).not.toContain('CANARY');
    expect(cached.stdout).not.toContain(Buffer.from(PASSWORD).toString('base64').slice(0, 16));
  });

  it('explains one namespace as a table, and a namespace the cluster does not have', async () => {
    const result = await cli(['--controller', `${base}/`, '-n', 'other', '-n', 'nowhere']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'IMAGEPULLSECRET  NAMESPACE  VERDICT    REASON',
        'pull             nowhere    missing    the namespace does not exist',
        "pull             other      unmatched  no rule matches: namespaces.names does not list it; namespaces.labels[0] needs label pull=yes, but the namespace has no such label; namespacesWithPods matches no Pod: the namespace has none",
        '',
      ].join('\n'),
    );
  });

  it('serves GET /explain only, with bounded, checked parameters, and nothing else on its port', async () => {
    const status = async (path: string, init?: RequestInit): Promise<[number, string]> => {
      const response = await fetch(`${base}${path}`, init);
      return [response.status, await response.text()];
    };
    expect(await status('/explain?namespace=Not_A_Name')).toEqual([400, 'namespace must be a namespace name\n']);
    expect(await status(`/explain?${Array.from({ length: 101 }, (_, i) => `namespace=n${i}`).join('&')}`)).toEqual([400, 'at most 100 namespace parameters\n']);
    expect(await status('/explain?namespace=app&all=true')).toEqual([400, 'namespace and all cannot be used together\n']);
    expect((await status('/explain', { method: 'POST' }))[0]).toBe(405);
    expect((await status('/metrics'))[0]).toBe(404);
    expect((await status('/healthz'))[0]).toBe(404);
  });

  it('reports an unreachable controller and a URL that is not one as problems (exit 1), bad flags as usage (exit 2)', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await cli(['--controller', closed]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^error: controller http:\/\/127\.0\.0\.1:\d+: .*is `kubectl port-forward` running\?\)\n$/);
    const notExplain = await cli(['--controller', kube.url]);
    expect(notExplain).toMatchObject({ code: 1, stdout: '' });
    // Another server's answer is not repeated: only the controller's own plain-text one-liners are.
    expect(notExplain.stderr).toMatch(/^error: controller http:\/\/127\.0\.0\.1:\d+: HTTP 401\n$/);
    expect((await cli(['--controller', base, '-f', 'pull.yaml'])).code).toBe(2);
    expect((await cli(['--controller', 'ftp://127.0.0.1:1'])).code).toBe(2);
  });
});

describe('the /explain endpoint without a leading controller', () => {
  it('answers 503 on a standby and while the caches are not synced', async () => {
    expect(await explainEndpoint(new URLSearchParams(), { cache: undefined, ready: false, requireConsent: false })).toEqual({
      status: 503,
      body: 'this replica is not leading (a standby, or starting): port-forward to the Pod holding the Lease\n',
    });
  });
});
