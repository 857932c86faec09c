// Issue 12: no runtime warning on stderr from any face, on the Node line running the suite (.ci/run: the current
// LTS; scripts/with-node.sh 22|24|26 npm test for the others). The BUILT CLI runs here (dist/cli.js through its
// launcher and code cache): tests that run the sources under tsx never see a warning a bundled dependency prints.
// Each face runs twice, with an empty then a warm code cache, so both launcher paths are covered.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from '../fakes/aws-server.js';
import { startFakeKubeApi, type FakeKubeApi } from '../fakes/kube-api-server.js';
import { guardedEnv } from '../guard/child-env.js';
import { dockerSource, ecrSource, imps, ns, secretOf, waitFor } from '../controller/harness.js';
import { BUILT_CLI, REPO, run } from './cli-on-path.js';

/** What Node prints for a process warning: `(node:PID) [CODE] SomethingWarning: ...` (and `Warning:` for plain ones). */
const WARNING_LINE = /\(node:\d+\)|\b[A-Za-z]*Warning\b/;
const warningsIn = (stderr: string): string[] => stderr.split('\n').filter((line) => WARNING_LINE.test(line));

let kube: FakeKubeApi;
let aws: FakeAws;
let cacheHome: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  aws = await startFakeAws();
  kube = await startFakeKubeApi({
    objects: [
      // examples/basic as a cluster holds it (for the live render), plus what refresh and the controller use.
      ns('registry-access'),
      ns('mesh-app'),
      ns('backyards-system'),
      ns('cert-manager'),
      ns('default'),
      ns('creds'),
      ns('apps', { pull: 'yes' }),
      dockerSource('registry-access', 'registry--https-index.docker.io-v1-pull-secret-5cbe024b', 'https://index.docker.io/v1/', 'example-password'),
      dockerSource('creds', 'hub', 'r.example', 'example-password'),
      ecrSource('creds', 'ecr'),
      imps('pull', { registry: { credentials: [{ namespace: 'creds', name: 'hub' }] }, target: { secret: { name: 'regcred' }, namespaces: { labels: [{ matchLabels: { pull: 'yes' } }] } } }),
    ],
  });
  cacheHome = await mkdtemp(join(tmpdir(), 'imps-krm-no-warnings-'));
  // NODE_OPTIONS keeps only the loopback guard: a developer's own --no-warnings must not hide what users would see.
  const { NODE_OPTIONS: _options, NODE_NO_WARNINGS: _silenced, ...base } = process.env;
  env = guardedEnv({ ...base, ...aws.env(), AWS_EC2_METADATA_DISABLED: 'true', XDG_CACHE_HOME: cacheHome, KUBECONFIG: join(cacheHome, 'no-kubeconfig') });
});
afterAll(async () => {
  await kube.close();
  await aws.close();
  await rm(cacheHome, { recursive: true, force: true });
});

const resourceList = readFileSync(join(REPO, 'test', 'fixtures', 'fn', 'kpt-package', 'resource-list.yaml'), 'utf8');
const example = join(REPO, 'examples', 'basic');
const cmpApp = join(REPO, 'test', 'fixtures', 'cmp', 'app-and-secrets', 'app');

describe('no runtime warning on stderr from the built CLI', () => {
  const faces: ReadonlyArray<{ face: string; args: () => string[]; cwd?: string; stdin?: string; extraEnv?: () => NodeJS.ProcessEnv }> = [
    { face: 'fn', args: () => ['fn'], stdin: resourceList },
    { face: 'render (input)', args: () => ['render', '-f', example, '--cluster', 'input'] },
    { face: 'render (live, fake API server)', args: () => ['render', '-f', example, '--cluster', 'live', '--kubeconfig', kube.kubeconfigPath] },
    { face: 'cmp generate', args: () => ['cmp', 'generate'], cwd: cmpApp, extraEnv: () => ({ PARAM_CLUSTER: 'input' }) },
    {
      face: 'refresh --once (docker config + ECR through the AWS SDK)',
      args: () => ['refresh', '--once', '--kubeconfig', kube.kubeconfigPath, '--target-secret', 'apps.merged', '--source-secret', 'creds.hub', '--source-secret', 'creds.ecr', '--metrics-addr', ''],
    },
  ];
  for (const { face, args, cwd, stdin, extraEnv } of faces) {
    it(`${face}: exit 0, no warning line, cold and warm`, async () => {
      for (const round of ['cold', 'warm']) {
        const ran = await run(process.execPath, [BUILT_CLI, ...args()], { cwd: cwd ?? REPO, env: { ...env, ...extraEnv?.() }, ...(stdin !== undefined ? { stdin } : {}) });
        expect({ round, code: ran.code, warnings: warningsIn(ran.stderr) }).toEqual({ round, code: 0, warnings: [] });
      }
    });
  }

  it('controller start and stop: no warning line', async () => {
    for (const round of ['cold', 'warm']) {
      const child = spawn(process.execPath, [BUILT_CLI, 'controller', '--kubeconfig', kube.kubeconfigPath, '--metrics-addr', '127.0.0.1:0'], {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        await waitFor(() => secretOf(kube, 'apps', 'regcred'), 10_000);
        await waitFor(() => stderr.includes('controller started'), 10_000);
      } finally {
        child.kill('SIGTERM');
      }
      expect({ round, code: await exited, warnings: warningsIn(stderr) }).toEqual({ round, code: 0, warnings: [] });
    }
  });

  it('the check sees a warning when one is printed (a warning planted through NODE_OPTIONS)', async () => {
    const planted = { ...env, NODE_OPTIONS: `${env['NODE_OPTIONS'] ?? ''} --require=${join(REPO, 'test', 'fixtures', 'warnings', 'emit-warning.cjs')}` };
    const ran = await run(process.execPath, [BUILT_CLI, 'fn'], { cwd: REPO, env: planted, stdin: resourceList });
    expect(ran.code).toBe(0);
    expect(warningsIn(ran.stderr)).toEqual([expect.stringMatching(/DeprecationWarning: planted by the test/)]);
  });
});
