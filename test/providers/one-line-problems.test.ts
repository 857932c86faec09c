// Issue 9: one line per problem on every path, through the BUILT CLI in every face (render, fn, cmp generate) and in
// the controller (JSON lines on stderr). Before: a metadata-server failure printed "Could not load the default
// credentials" without its cause plus three lines of Node's MetadataLookupWarning, and a workload identity without
// its token file printed the Azure SDK's troubleshooting line on a second line. A process warning emitted while a
// source is fetched is folded into that source's line (here one planted inside the metadata request, as an SDK
// would emit it: test/fixtures/warnings/warn-during-metadata-request.cjs).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify, parseAllDocuments } from 'yaml';
import { startFakeKubeApi, type FakeKubeApi, type KubeObject } from '../fakes/kube-api-server.js';
import { BUILT_CLI, REPO, run } from '../e2e/cli-on-path.js';
import { imps, ns } from '../controller/harness.js';
import { linesOf, renderInput, startCloudRig, type CloudRig } from './built-cli-rig.js';

const PLANTED = join(REPO, 'test', 'fixtures', 'warnings', 'warn-during-metadata-request.cjs');
let rig: CloudRig;
let broken: http.Server;
let brokenHost: string;

beforeAll(async () => {
  rig = await startCloudRig();
  // A metadata server that answers 500 with a body of two lines.
  broken = http.createServer((_req, res) => res.writeHead(500, { 'metadata-flavor': 'Google', 'content-type': 'text/plain' }).end('internal error\nsecond line'));
  await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', () => resolve()));
  brokenHost = `127.0.0.1:${(broken.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => broken.close(() => resolve()));
  await rig?.close();
});

interface Case {
  readonly title: string;
  readonly source: string;
  readonly env: () => Record<string, string | undefined>;
  /** The whole problem after `source <name>: `. */
  readonly problem: () => string;
}

const cases: Case[] = [
  {
    title: 'metadata server answers 500, with a process warning emitted during the request',
    source: 'gar-metadata',
    env: () => ({ GCE_METADATA_HOST: brokenHost, NODE_OPTIONS_EXTRA: `--require=${PLANTED}` }),
    problem: () =>
      `Google access token (metadata server): ${brokenHost}: HTTP 500: internal error (gave up after 3 attempts) (MetadataLookupWarning: planted during the metadata request its second line)`,
  },
  {
    title: 'no metadata server at all',
    source: 'gar-metadata',
    env: () => ({ GCE_METADATA_HOST: '127.0.0.1:9' }),
    problem: () => 'Google access token (metadata server): 127.0.0.1:9: ECONNREFUSED (not on GCE or GKE? give the source a serviceAccountKey, or the process GOOGLE_APPLICATION_CREDENTIALS)',
  },
  {
    title: 'workload identity without AZURE_FEDERATED_TOKEN_FILE',
    source: 'acr-wi',
    env: () => ({ ...rig.workloadIdentityEnv, AZURE_FEDERATED_TOKEN_FILE: undefined }),
    problem: () =>
      'workload identity: AZURE_FEDERATED_TOKEN_FILE is not set in the environment of imps-krm (the Azure Workload Identity webhook sets it in Pods whose ServiceAccount is labelled azure.workload.identity/use: "true")',
  },
  {
    title: 'workload identity whose token file is missing',
    source: 'acr-wi',
    env: () => ({ ...rig.workloadIdentityEnv, AZURE_FEDERATED_TOKEN_FILE: '/nonexistent/azure-token' }),
    problem: () => "Entra ID token (WorkloadIdentity): AuthenticationRequiredError: ENOENT: no such file or directory, open '/nonexistent/azure-token'",
  },
];

/** The rig's environment for a direct run, with a preload added to NODE_OPTIONS when the case plants one. */
function envOf(c: Case, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const { NODE_OPTIONS_EXTRA: preload, ...rest } = c.env();
  const env = rig.env('direct', { ...rest, ...extra });
  if (preload) env['NODE_OPTIONS'] = `${env['NODE_OPTIONS'] ?? ''} ${preload}`;
  return env;
}

function resourceList(input: string): string {
  const items = parseAllDocuments(input).map((doc) => doc.toJS() as unknown);
  return stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', functionConfig: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fn' }, data: { cluster: 'input' } }, items });
}

describe('one line per problem through the built CLI', () => {
  for (const c of cases) {
    describe(c.title, () => {
      it('render: exactly one stderr line, with the cause', async () => {
        rig.reset();
        const work = join(rig.dir, `render-${Math.random().toString(36).slice(2)}`);
        mkdirSync(work);
        writeFileSync(join(work, 'in.yaml'), renderInput([c.source]));
        const ran = await run(process.execPath, [BUILT_CLI, 'render', '-f', 'in.yaml', '--cluster', 'input'], { cwd: work, env: envOf(c) });
        expect(ran.code).toBe(1);
        expect(linesOf(ran.stderr)).toEqual([`error: ImagePullSecret/pull (in.yaml): source ra.${c.source}: ${c.problem()}`]);
      });

      it('fn: exactly one stderr line, and the same problem in the results', async () => {
        rig.reset();
        const ran = await run(process.execPath, [BUILT_CLI, 'fn'], { cwd: rig.dir, env: envOf(c), stdin: resourceList(renderInput([c.source])) });
        expect(ran.code).toBe(1);
        expect(linesOf(ran.stderr)).toEqual([`error: ImagePullSecret/pull (<items[0]>): source ra.${c.source}: ${c.problem()}`]);
        expect(ran.stdout).toContain(c.problem().slice(0, 40));
      });

      it('cmp generate: exactly one stderr line', async () => {
        rig.reset();
        const app = join(rig.dir, `app-${Math.random().toString(36).slice(2)}`);
        mkdirSync(app);
        writeFileSync(join(app, 'in.yaml'), renderInput([c.source]));
        const cmpEnv = { ARGOCD_ENV_CLUSTER: 'input', ARGOCD_APP_PROJECT_NAME: 'default', IMPS_KRM_AMBIENT_IDENTITY_PROJECTS: 'default' };
        const ran = await run(process.execPath, [BUILT_CLI, 'cmp', 'generate'], { cwd: app, env: envOf(c, cmpEnv) });
        expect(ran.code).toBe(1);
        expect(linesOf(ran.stderr)).toEqual([`error: ImagePullSecret/pull (in.yaml): source ra.${c.source}: ${c.problem()}`]);
      });
    });
  }
});

describe('the controller: JSON lines only, the failing source named with its cause', () => {
  let kube: FakeKubeApi;
  beforeAll(async () => {
    const source = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'ra' }, type: data['type']!, stringData: Object.fromEntries(Object.entries(data).filter(([key]) => key !== 'type')) });
    kube = await startFakeKubeApi({
      objects: [
        ns('default'),
        ns('ra'),
        ns('app'),
        source('gar-metadata', { type: 'imps-krm.io/gar-login-config', registry: 'europe-west1-docker.pkg.dev' }),
        source('acr-wi', { type: 'imps-krm.io/acr-login-config', registry: 'proxied.azurecr.io', identity: 'WorkloadIdentity' }),
        imps('pull-gar-metadata', { registry: { credentials: [{ namespace: 'ra', name: 'gar-metadata' }] }, target: { secret: { name: 'pull-gar' }, namespaces: { names: ['app'] } } }),
        imps('pull-acr-wi', { registry: { credentials: [{ namespace: 'ra', name: 'acr-wi' }] }, target: { secret: { name: 'pull-acr' }, namespaces: { names: ['app'] } } }),
      ],
    });
  });
  afterAll(async () => {
    await kube?.close();
  });

  for (const c of cases) {
    it(c.title, async () => {
      rig.reset();
      const child = spawn(process.execPath, [BUILT_CLI, 'controller', '--kubeconfig', kube.kubeconfigPath, '--metrics-addr', '127.0.0.1:0', '--health-addr', '127.0.0.1:0', '--explain-addr', '127.0.0.1:0'], {
        env: envOf(c),
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      try {
        const deadline = Date.now() + 15_000;
        while (!stderr.includes(c.problem().slice(0, 30)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
      const lines = linesOf(stderr);
      // Every line is a JSON object (a warning printed by Node would not be).
      for (const line of lines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
      const about = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => JSON.stringify(entry).includes(`source ra.${c.source}:`));
      expect(about.length).toBeGreaterThan(0);
      expect(JSON.stringify(about[0])).toContain(JSON.stringify(c.problem()).slice(1, -1));
    });
  }
});

describe('a warning emitted while a source is fetched successfully is not hidden', () => {
  it('render: handed back to the process warning policy unchanged (what test/e2e/no-warnings.test.ts looks for)', async () => {
    rig.reset();
    const work = join(rig.dir, `render-ok-${Math.random().toString(36).slice(2)}`);
    mkdirSync(work);
    writeFileSync(join(work, 'in.yaml'), renderInput(['gar-metadata']));
    const env = rig.env('direct');
    env['NODE_OPTIONS'] = `${env['NODE_OPTIONS'] ?? ''} --require=${PLANTED}`;
    const ran = await run(process.execPath, [BUILT_CLI, 'render', '-f', 'in.yaml', '--cluster', 'input'], { cwd: work, env });
    expect(ran.code).toBe(0);
    expect(ran.stderr).toMatch(/\(node:\d+\) MetadataLookupWarning: planted during the metadata request/);
    expect(ran.stderr).toContain('rendered 1 Secret for ImagePullSecret pull: namespace app');
  });
});
