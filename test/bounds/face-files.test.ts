// Files through every face (cmp, render, fn, the legacy kustomize plugin), against the BUILT CLI in a child process: what a repository can make each face read, and what any file-system
// failure looks like (one line naming the file, exit 1, never exit 3, never a hang, nothing on stdout).
// The layout is argocd-cmp-server's: /tmp/_cmp-server/<uuid>/ holds one repository, other tenants' next to it.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BUILT_CLI } from '../e2e/cli-on-path.js';
import { guardedEnv } from '../guard/child-env.js';
import { imagePullSecret, namespaceObject } from '../support/builders.js';
import { requireBuiltCli, runBuiltCli } from '../support/run-built-cli.js';

requireBuiltCli();

const OTHER_TENANT = 'CANARY-other-tenant-pw';

let base: string;
let repo: string;
let app: string;

const imps = stringify(imagePullSecret('pull', { credentials: ['registry-access/login'], namespaces: ['shop'], secret: 'regcred' }));
const namespace = stringify(namespaceObject('shop'));
const login = (password: string): string =>
  stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'login', namespace: 'registry-access', annotations: { 'imps-krm.io/registry': 'ghcr.io', 'config.kubernetes.io/local-config': 'true' } },
    type: 'kubernetes.io/basic-auth',
    stringData: { username: 'bot', password },
  });

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'imps-krm-faces-')));
  chmodSync(base, 0o755); // the EACCES case runs the CLI as nobody
  repo = join(base, '0b7e');
  app = join(repo, 'apps', 'shop');
  mkdirSync(app, { recursive: true });
  mkdirSync(join(repo, 'shared'));
  mkdirSync(join(base, '9f21'));
  writeFileSync(join(base, '9f21', 'login.yaml'), login(OTHER_TENANT));
  writeFileSync(join(repo, 'shared', 'login.yaml'), login('shared-pw'));
  writeFileSync(join(app, 'imps.yaml'), `${imps}---\n${namespace}`);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built CLI as argocd-cmp-server runs it: argv, no shell, cwd = the app directory. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}, user?: { uid: number; gid: number }): Promise<Ran> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BUILT_CLI, ...args],
      { cwd: app, env: guardedEnv({ PATH: process.env['PATH'], HOME: base, ARGOCD_APP_SOURCE_PATH: 'apps/shop', ...env }), timeout: 20_000, ...user },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr }),
    );
  });
}
const cmp = (env: NodeJS.ProcessEnv = {}, user?: { uid: number; gid: number }) => cli(['cmp', 'generate'], { ARGOCD_ENV_CLUSTER: 'input', ...env }, user);
const render = () => cli(['render', '-f', '.', '--cluster', 'input']);

function expectRefused(result: Ran, stderr: string): void {
  expect(result.stderr).toBe(stderr);
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).not.toContain(OTHER_TENANT);
}

describe('the Argo CD plugin reads the repository and nothing else', () => {
  it('files inside the repository, above the app directory: read', async () => {
    const result = await cmp({ ARGOCD_ENV_FILES: '../../shared/login.yaml' });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('name: regcred');
  });

  it('files that climb into another repository, or name an absolute path: refused by index', async () => {
    expectRefused(
      await cmp({ ARGOCD_APP_PARAMETERS: JSON.stringify([{ name: 'files', array: ['../../../9f21/login.yaml', join(base, '9f21', 'login.yaml')] }]) }),
      'error: parameters.files[0]: must stay inside the repository (relative path; .. and symbolic links may not leave it)\n' +
        'error: parameters.files[1]: must be a relative path inside the repository\n',
    );
  });

  it('a link in the app directory or in a files folder that points out of the repository: refused, not read', async () => {
    symlinkSync(join(base, '9f21', 'login.yaml'), join(app, 'login.yaml'));
    expectRefused(await cmp(), 'error: login.yaml: a symbolic link that leaves the repository; refused\n');
    rmSync(join(app, 'login.yaml'));
    symlinkSync(join(base, '9f21', 'login.yaml'), join(repo, 'shared', 'more.yaml'));
    expectRefused(await cmp({ ARGOCD_ENV_FILES: '../../shared' }), 'error: ../../shared/more.yaml: a symbolic link that leaves the repository; refused\n');
  });

  it('without ARGOCD_APP_SOURCE_PATH (a hand run) the root is the app directory itself', async () => {
    expectRefused(await cmp({ ARGOCD_APP_SOURCE_PATH: '', ARGOCD_ENV_FILES: '../../shared/login.yaml' }),
      'error: ARGOCD_ENV_FILES[0]: must stay inside the app directory (relative path; .. and symbolic links may not leave it)\n');
  });
});

describe('file-system failures through cmp generate and render: one line naming the file, exit 1', () => {
  const cases: Array<[string, () => void, string]> = [
    ['a dangling link', () => symlinkSync('nowhere.yaml', join(app, 'login.yaml')), 'login.yaml: no such file or directory (or a symbolic link to nothing)'],
    ['a link loop', () => symlinkSync('login.yaml', join(app, 'login.yaml')), 'login.yaml: too many levels of symbolic links (a loop)'],
    ['a link to a folder named like a manifest', () => symlinkSync(join(repo, 'shared'), join(app, 'login.yaml')), 'login.yaml: a symbolic link to a folder; not followed'],
    ['a FIFO named like a manifest', () => execFileSync('mkfifo', [join(app, 'login.yaml')]), 'login.yaml: not a regular file'],
    [
      'a file that is not UTF-8',
      () => writeFileSync(join(app, 'login.yaml'), Buffer.concat([Buffer.from(login('p')), Buffer.from([0xff])])),
      `login.yaml: not UTF-8 text (invalid byte at offset ${Buffer.byteLength(login('p'))})`,
    ],
  ];
  for (const [name, make, line] of cases) {
    it(name, async () => {
      make();
      expectRefused(await cmp(), `error: ${line}\n`);
      expectRefused(await render(), `error: ${line}\n`);
    });
  }

  it('a file it may not read (EACCES), as a user who cannot read it', async () => {
    writeFileSync(join(app, 'login.yaml'), login('p'));
    chmodSync(join(app, 'login.yaml'), 0);
    // root reads everything: run as nobody then.
    const user = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
    expectRefused(await cmp({}, user), 'error: login.yaml: permission denied\n');
  });
});

describe('fn and the legacy kustomize plugin: files stay in the kustomization', () => {
  const outside = (): string[] => ['../../../9f21/login.yaml', join(base, '9f21', 'login.yaml')];

  it('fn (a ConfigMap functionConfig, kpt style): entries named by data field and index; items unchanged', async () => {
    const list = stringify({
      apiVersion: 'config.kubernetes.io/v1',
      kind: 'ResourceList',
      functionConfig: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fn' }, data: { cluster: 'input', files: outside().join(',') } },
      items: [{ ...(await import('yaml')).parse(imps) }],
    });
    const run = await runBuiltCli(['fn'], { cwd: app, stdin: list });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'error: data.files[0]: must stay inside the working directory (relative path; .. and symbolic links may not leave it)\n' +
        'error: data.files[1]: must be a relative path inside the working directory\n',
    );
    expect(run.stdout).not.toContain(OTHER_TENANT);
  });

  it('the legacy plugin: KUSTOMIZE_PLUGIN_CONFIG_ROOT is the root; a link out of it is refused', async () => {
    symlinkSync(join(base, '9f21', 'login.yaml'), join(app, 'login.yaml'));
    const config = join(base, 'kustomize-plugin-config.yaml');
    writeFileSync(config, imps.replace('name: pull\n', `name: pull\n  annotations:\n    imps-krm.io/cluster: input\n    imps-krm.io/files: namespace.yaml,login.yaml\n`));
    writeFileSync(join(app, 'namespace.yaml'), namespace);
    // kustomize runs a legacy generator with no stdin worth reading: a closed pipe here.
    const run = await runBuiltCli(['kustomize-plugin', config], { cwd: base, env: { KUSTOMIZE_PLUGIN_CONFIG_ROOT: app } });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('error: metadata.annotations.imps-krm.io/files[1]: must stay inside the kustomization directory (relative path; .. and symbolic links may not leave it)\n');
    expect(run.stdout).toBe('');
  });
});
