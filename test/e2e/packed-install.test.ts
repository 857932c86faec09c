// The package as a user gets it (issue 9): `npm pack` of the checkout, the tarball installed with --omit=dev into a
// temporary prefix, offline (the package has no runtime dependency: nothing is fetched, and npm runs under the
// loopback guard to prove it), then every face run from the installed bin, in a folder outside the checkout, with no
// node_modules of the checkout reachable: render of a shipped example, fn with a ResourceList on stdin, cmp generate
// as the shipped plugin.yaml runs it, refresh --once and the controller against the fake API server.
// The tarball is packed with --ignore-scripts: `prepack` rebuilds dist/, which other tests are running; the dist/
// packed is the one `npm test` built first from the same sources.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { REFRESHER, CONTROLLER } from '../admission/attempts.js';
import { assertAdmitted, CONTROLLER_POLICIES, policyAdmission, REFRESH_POLICIES } from '../admission/fake-admission.js';
import { dockerConfigOf, dockerSource, ecrSource, imps, ns, secretOf } from '../controller/harness.js';
import { startFakeAws, type FakeAws } from '../fakes/aws-server.js';
import { startFakeKubeApi } from '../fakes/kube-api-server.js';
import { guardedEnv } from '../guard/child-env.js';
import { REPO, requireBuiltCli, runBuiltCli } from '../support/run-built-cli.js';
import { waitFor } from '../support/wait-for.js';
import { run, type Ran } from './cli-on-path.js';

/** What the README and docs link to, and what kustomize, kpt and Argo CD users take from the package. */
const SHIPPED = ['LICENSE', 'README.md', 'argocd-cmp', 'deploy', 'dist', 'docs', 'examples', 'kustomize-plugin', 'package.json', 'schemas'];
const CANARY_PASSWORD = 'CANARY-packed-install-password';
const CANARY_ECR = 'CANARY-packed-install-ecr';

let work: string;
let tarball: string;
let prefix: string;
let bin: string;
let installed: string;
let cwd: string;
let aws: FakeAws;
/** The environment of every installed run: nothing of the test process or the checkout but the guard. */
let env: NodeJS.ProcessEnv;

/** npm with its own cache and config in `work`, none of the outer npm's settings, under the loopback guard. */
function npm(args: readonly string[], where: string): Promise<Ran> {
  const outer = Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'NODE_OPTIONS' && !key.startsWith('VITEST'));
  const npmEnv = guardedEnv({ ...Object.fromEntries(outer), HOME: join(work, 'home'), npm_config_cache: join(work, 'npm-cache'), npm_config_userconfig: join(work, 'npmrc'), npm_config_update_notifier: 'false' });
  return run('npm', args, { cwd: where, env: npmEnv });
}

/** The installed bin, as a user runs it (its `#!/usr/bin/env node` line finds node on PATH). */
const installedCli = (args: readonly string[], options: { cwd?: string; env?: Record<string, string>; stdin?: string } = {}): Promise<Ran> =>
  run(bin, args, { cwd: options.cwd ?? cwd, env: { ...env, ...options.env }, ...(options.stdin !== undefined ? { stdin: options.stdin } : {}) });

/** Every node_modules folder Node's resolution could reach from `dir` (dir and each of its parents). */
function reachableNodeModules(dir: string): string[] {
  const found: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    const candidate = join(current, 'node_modules');
    if (existsSync(candidate)) found.push(candidate);
    if (dirname(current) === current) return found;
  }
}

function sizeOf(path: string): { bytes: number; files: number } {
  const stat = statSync(path);
  if (!stat.isDirectory()) return { bytes: stat.size, files: 1 };
  return readdirSync(path)
    .map((entry) => sizeOf(join(path, entry)))
    .reduce((sum, part) => ({ bytes: sum.bytes + part.bytes, files: sum.files + part.files }), { bytes: 0, files: 0 });
}

const under = (path: string, root: string): boolean => !relative(root, path).startsWith('..') && !relative(root, path).startsWith(sep);

beforeAll(async () => {
  requireBuiltCli();
  work = realpathSync(mkdtempSync(join(tmpdir(), 'imps-krm-packed-')));
  mkdirSync(join(work, 'home'));
  const packed = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], REPO);
  expect(packed.code, packed.stderr).toBe(0);
  const [report] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
  tarball = join(work, report!.filename);
  prefix = join(work, 'prefix');
  mkdirSync(prefix);
  const install = await npm(['install', '--omit=dev', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], work);
  expect(install.code, install.stderr).toBe(0);
  expect(install.stdout).toMatch(/^added 1 package\b/m);
  installed = join(prefix, 'node_modules', 'imps-krm');
  bin = join(prefix, 'node_modules', '.bin', 'imps-krm');
  cwd = join(work, 'cwd');
  mkdirSync(cwd);
  aws = await startFakeAws();
  env = guardedEnv({
    PATH: [join(prefix, 'node_modules', '.bin'), dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter),
    HOME: join(work, 'home'),
    XDG_CACHE_HOME: join(work, 'cache'),
    KUBECONFIG: join(work, 'no-kubeconfig'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(work, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials'),
    ...aws.env(),
  });
}, 120_000);

afterAll(async () => {
  await aws?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed package, installed with --omit=dev', () => {
  it('ships the bundle, docs, plugin and CMP folders, LICENSE; no sources, no tests; no dependency installed', async () => {
    const listing = await run('tar', ['-tzf', tarball], { cwd: work, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } });
    expect(listing.code, listing.stderr).toBe(0);
    const entries = listing.stdout.split('\n').filter((line) => line !== '');
    expect(entries.every((entry) => entry.startsWith('package/'))).toBe(true);
    const top = [...new Set(entries.map((entry) => entry.split('/')[1]!))].sort();
    expect(top).toEqual(SHIPPED);
    for (const file of ['package/dist/cli.js', 'package/dist/imps-krm.cjs', 'package/dist/package.json', 'package/argocd-cmp/plugin.yaml', 'package/kustomize-plugin/ImagePullSecret', 'package/docs/security.md']) {
      expect(entries).toContain(file);
    }
    expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toContain('Apache License\n                           Version 2.0, January 2004');

    // Nothing but the package itself in the prefix: it depends on nothing at run time.
    expect(readdirSync(join(prefix, 'node_modules')).sort()).toEqual(['.bin', '.package-lock.json', 'imps-krm']);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest['dependencies']).toBeUndefined();

    const packedSize = statSync(tarball).size;
    const tree = sizeOf(installed);
    const du = await run('du', ['-sk', installed], { cwd: work, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } });
    console.info(`packed-install: tarball ${packedSize} bytes; installed ${tree.bytes} bytes in ${tree.files} files (du -sk: ${du.stdout.split('\t')[0]} KiB)`);
    // A bound, not a figure: with the SDKs installed again it was 167 MB (issue 9).
    expect(tree.bytes).toBeLessThan(10 * 1024 * 1024);
  });

  it('runs outside the checkout: no NODE_PATH, and no node_modules of the checkout on any resolution path', () => {
    expect(env['NODE_PATH']).toBeUndefined();
    for (const dir of [cwd, installed, join(installed, 'dist')]) {
      expect(under(dir, REPO), dir).toBe(false);
      expect(reachableNodeModules(dir).filter((path) => path !== join(prefix, 'node_modules'))).toEqual([]);
    }
    expect(realpathSync(bin)).toBe(join(installed, 'dist', 'cli.js'));
  });

  it('render: a shipped example in input mode, the same Secrets as the checkout build', async () => {
    const example = join(installed, 'examples', 'basic');
    const result = await installedCli(['render', '-f', example, '--cluster', 'input']);
    expect(result.stderr).toMatch(/^rendered 5 Secrets for ImagePullSecret imps: namespaces /);
    expect(result.code).toBe(0);
    expect(result.stdout.match(/^kind: Secret$/gm)).toHaveLength(5);
    const checkout = await runBuiltCli(['render', '-f', join(REPO, 'examples', 'basic'), '--cluster', 'input'], { cwd: REPO });
    expect(result.stdout).toBe(checkout.stdout);
  });

  it('fn: a ResourceList on stdin, the Secrets added to the items', async () => {
    const example = join(installed, 'examples', 'basic');
    const items = readdirSync(example)
      .filter((name) => name.endsWith('.yaml'))
      .sort()
      .flatMap((name) => parseAllDocuments(readFileSync(join(example, name), 'utf8')).map((document) => document.toJS() as unknown));
    const list = stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', functionConfig: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fn' }, data: { cluster: 'input' } }, items });
    const result = await installedCli(['fn'], { stdin: list });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const output = parse(result.stdout) as { kind: string; items: Array<{ kind: string; type?: string }> };
    expect(output.kind).toBe('ResourceList');
    expect(output.items.filter((item) => item.type === 'kubernetes.io/dockerconfigjson')).toHaveLength(5 + 1); // five rendered, the source passed through
  });

  it('cmp generate: the command of the shipped plugin.yaml, with what argocd-cmp-server sets', async () => {
    const plugin = parse(readFileSync(join(installed, 'argocd-cmp', 'plugin.yaml'), 'utf8')) as { spec: { generate: { command: string[]; args?: string[] } } };
    const [command, ...args] = [...plugin.spec.generate.command, ...(plugin.spec.generate.args ?? [])];
    expect(command).toBe('imps-krm'); // found on PATH, as in the sidecar
    const app = join(work, 'repo', 'apps', 'shop');
    cpSync(join(installed, 'examples', 'basic'), app, { recursive: true });
    const argocd = {
      ARGOCD_APP_NAME: 'shop',
      ARGOCD_APP_NAMESPACE: 'argocd',
      ARGOCD_APP_PROJECT_NAME: 'default',
      ARGOCD_APP_REVISION: '0123456789abcdef0123456789abcdef01234567',
      ARGOCD_APP_SOURCE_PATH: 'apps/shop',
      ARGOCD_APP_SOURCE_REPO_URL: 'https://example.com/acme/deploy.git',
      ARGOCD_APP_SOURCE_TARGET_REVISION: 'main',
      ARGOCD_ENV_CLUSTER: 'input',
      KUBE_VERSION: '1.32.4',
      KUBE_API_VERSIONS: 'v1,apps/v1',
    };
    const result = await run(command!, args, { cwd: app, env: { ...env, ...argocd } });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const objects = parseAllDocuments(result.stdout).map((document) => document.toJS() as { kind: string; type?: string });
    // The app's manifests and the five rendered Secrets (the source Secret is one of the app's manifests).
    expect(objects.filter((object) => object.kind === 'Secret' && object.type === 'kubernetes.io/dockerconfigjson')).toHaveLength(5 + 1);
  });

  it('refresh --once: writes the target from a docker config and an ECR source (the AWS chunk, installed)', async () => {
    aws.reset();
    aws.setEcrPassword('AKIDCONTROLLER', CANARY_ECR);
    const admission = policyAdmission(REFRESH_POLICIES);
    const kube = await startFakeKubeApi({
      users: { 'fake-token': REFRESHER },
      admission: admission.hook,
      objects: [ns('creds'), ns('apps'), dockerSource('creds', 'hub', 'https://index.docker.io/v1/', CANARY_PASSWORD), ecrSource('creds', 'ecr')],
    });
    try {
      const result = await installedCli(['refresh', '--once', '--target-secret', 'apps.regcred', '--source-secret', 'creds.hub', '--source-secret', 'creds.ecr', '--metrics-addr', ''], {
        env: { KUBECONFIG: kube.kubeconfigPath },
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe('');
      const auths = dockerConfigOf(secretOf(kube, 'apps', 'regcred'))?.auths ?? {};
      expect(Object.keys(auths)).toEqual(['123456789012.dkr.ecr.us-east-1.amazonaws.com', 'https://index.docker.io/v1/']);
      expect(auths['123456789012.dkr.ecr.us-east-1.amazonaws.com']?.password).toBe(CANARY_ECR);
      expect(result.stderr).not.toContain('CANARY');
      assertAdmitted(admission);
    } finally {
      await kube.close();
    }
  });

  it('controller: reconciles an ImagePullSecret into a Secret, then stops on SIGTERM', async () => {
    const admission = policyAdmission(CONTROLLER_POLICIES);
    const kube = await startFakeKubeApi({
      users: { 'fake-token': CONTROLLER },
      admission: admission.hook,
      objects: [
        ns('default'),
        ns('creds'),
        ns('app', { pull: 'yes' }),
        dockerSource('creds', 'hub', 'r.example', CANARY_PASSWORD),
        imps('pull', { registry: { credentials: [{ namespace: 'creds', name: 'hub' }] }, target: { secret: { name: 'regcred' }, namespaces: { labels: [{ matchLabels: { pull: 'yes' } }] } } }),
      ],
    });
    const child = spawn(bin, ['controller', '--metrics-addr', '127.0.0.1:0', '--health-addr', '127.0.0.1:0'], {
      cwd,
      env: { ...env, KUBECONFIG: kube.kubeconfigPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let early: number | null | undefined;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve((early = code))));
    let code: number | null;
    try {
      const written = await waitFor(() => {
        if (early !== undefined) throw new Error(`the controller exited (${String(early)}) before writing a Secret: ${stderr}`);
        return secretOf(kube, 'app', 'regcred');
      }, 'the controller to write app/regcred', 20_000);
      expect(dockerConfigOf(written)?.auths['r.example']?.password).toBe(CANARY_PASSWORD);
    } finally {
      child.kill('SIGTERM');
      code = await exited;
      await kube.close();
    }
    expect(code, stderr).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).not.toContain('CANARY');
    assertAdmitted(admission);
  }, 40_000);
});
