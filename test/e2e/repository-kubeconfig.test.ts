// Issue 8, item 1: a repository must not choose the kubeconfig. A kubeconfig's `exec` plugin runs a program, so a
// repository that could name one would run code inside the Argo CD sidecar or the repo server. Here the repository
// names a kubeconfig whose plugin writes a marker file; through fn, the legacy kustomize plugin and cmp generate
// (the BUILT CLI, as shipped) the marker never appears and the setting is refused, naming where the operator sets it.
// The control at the end proves the same kubeconfig does run its plugin when the operator chooses it.
import { existsSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { run, sandbox, type Sandbox } from './cli-on-path.js';

let box: Sandbox;
let app: string;
let marker: string;
let kubeconfig: string;

const imps = (annotations: Record<string, string> = {}) => ({
  apiVersion: 'images.banzaicloud.io/v1alpha1',
  kind: 'ImagePullSecret',
  metadata: { name: 'pull', annotations: { 'imps-krm.io/cluster': 'live', ...annotations } },
  spec: { registry: { credentials: [{ name: 'login', namespace: 'registry-access' }] }, target: { namespaces: { names: ['shop'] }, secret: { name: 'regcred' } } },
});

beforeAll(async () => {
  box = await sandbox();
  app = join(box.dir, 'app');
  marker = join(box.dir, 'plugin-ran');
  await mkdir(app);
  // What an attacker commits: a kubeconfig whose credential plugin runs a shell.
  kubeconfig = join(app, 'kubeconfig.yaml');
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'x',
      contexts: [{ name: 'x', context: { cluster: 'x', user: 'x' } }],
      clusters: [{ name: 'x', cluster: { server: 'https://127.0.0.1:1' } }],
      users: [{ name: 'x', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/sh', args: ['-c', `touch ${marker}; exit 1`], interactiveMode: 'Never' } } }],
    }),
  );
  writeFileSync(join(app, 'imps.yaml'), stringify(imps()));
});
afterAll(async () => box.cleanup());
beforeEach(async () => rm(marker, { force: true }));

const KUBECONFIG_REFUSED = 'kubeconfig is an operator setting and is not read from the repository: the operator sets it with the KUBECONFIG environment variable (or --kubeconfig where the operator writes the command)';
const CONTEXT_REFUSED = 'context is an operator setting and is not read from the repository: the operator sets it with the IMPS_KRM_CONTEXT environment variable (or --context where the operator writes the command)';

describe('a kubeconfig named by the repository never runs', () => {
  it('fn: functionConfig annotation imps-krm.io/kubeconfig (and imps-krm.io/context)', async () => {
    const list = { apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [], functionConfig: imps({ 'imps-krm.io/kubeconfig': kubeconfig, 'imps-krm.io/context': 'x' }) };
    const result = await run('imps-krm', ['fn'], { cwd: app, env: box.env, stdin: stringify(list) });
    expect(existsSync(marker)).toBe(false); // first: the plugin never ran
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: ImagePullSecret/pull: metadata.annotations.imps-krm.io/kubeconfig: ${KUBECONFIG_REFUSED}\nerror: ImagePullSecret/pull: metadata.annotations.imps-krm.io/context: ${CONTEXT_REFUSED}\n`,
    );
  });

  it('fn: ConfigMap functionConfig data.kubeconfig', async () => {
    const list = { apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [imps()], functionConfig: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { kubeconfig } } };
    const result = await run('imps-krm', ['fn'], { cwd: app, env: box.env, stdin: stringify(list) });
    expect(existsSync(marker)).toBe(false); // first: the plugin never ran
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: ConfigMap/settings: data.kubeconfig: ${KUBECONFIG_REFUSED}\n`);
  });

  it('the legacy kustomize plugin: annotation on the generator config', async () => {
    const config = join(box.dir, 'generator.yaml'); // kustomize passes a temp copy, outside the app
    writeFileSync(config, stringify(imps({ 'imps-krm.io/kubeconfig': 'kubeconfig.yaml' })));
    const result = await run('imps-krm', ['kustomize-plugin', config], { cwd: app, env: { ...box.env, KUSTOMIZE_PLUGIN_CONFIG_ROOT: app } });
    expect(existsSync(marker)).toBe(false); // first: the plugin never ran
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(`error: ImagePullSecret/pull: metadata.annotations.imps-krm.io/kubeconfig: ${KUBECONFIG_REFUSED}\n`);
  });

  // The Application's settings, given the attacker's kubeconfig path (known once the sandbox exists).
  const cmpCases: Array<[string, (path: string) => Record<string, string>, string]> = [
    ['an Application parameter', (path) => ({ ARGOCD_APP_PARAMETERS: JSON.stringify([{ name: 'kubeconfig', string: path }]) }), `error: parameters.kubeconfig: ${KUBECONFIG_REFUSED}`],
    ['an Application env entry', (path) => ({ ARGOCD_ENV_KUBECONFIG: path }), `error: ARGOCD_ENV_KUBECONFIG: ${KUBECONFIG_REFUSED}`],
    ['a PARAM_ variable', (path) => ({ PARAM_KUBECONFIG: path }), `error: PARAM_KUBECONFIG: ${KUBECONFIG_REFUSED}`],
    ['a context parameter', () => ({ ARGOCD_APP_PARAMETERS: JSON.stringify([{ name: 'context', string: 'x' }]) }), `error: parameters.context: ${CONTEXT_REFUSED}`],
  ];
  for (const [name, settings, expected] of cmpCases) {
    it(`cmp generate: ${name}`, async () => {
      const result = await run('imps-krm', ['cmp', 'generate'], { cwd: app, env: { ...box.env, ...settings(kubeconfig), ARGOCD_APP_SOURCE_PATH: app } });
      expect(existsSync(marker)).toBe(false); // first: the plugin never ran
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toBe(`${expected}\n`);
    });
  }

  it('control: the operator choosing the same kubeconfig runs its plugin (so the marker test can fail)', async () => {
    const result = await run('imps-krm', ['cmp', 'generate', '--kubeconfig', kubeconfig], { cwd: app, env: box.env });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(/^error: cluster https:\/\/127\.0\.0\.1:1: list namespaces: kubeconfig \S+: users\[0\]\.user\.exec: plugin "\/bin\/sh" failed with exit code 1\n$/);
    expect(existsSync(marker)).toBe(true);
  });
});
