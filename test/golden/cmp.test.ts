// Contract test for the Argo CD plugin: reads argocd-cmp/plugin.yaml and runs its commands the way
// argocd-cmp-server does (argv directly, no shell; cwd = the app directory; the sidecar env plus ARGOCD_APP_*,
// ARGOCD_ENV_*, ARGOCD_APP_PARAMETERS and PARAM_*), against the BUILT CLI on PATH.
//   test/fixtures/cmp/<case>/app/   the app directory      case.yaml: description, env, exitCode (default 0)
//   cluster.yaml                     optional: objects of a fake API server, reached through the sidecar's KUBECONFIG
//   expected.yaml / expected-stderr.txt as in the other golden folders (UPDATE_GOLDEN=1 rewrites them)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { REPO, run, sandbox, type Sandbox } from '../e2e/cli-on-path.js';
import { startFakeKubeApi } from '../fakes/kube-api-server.js';
import { canaries, expectedOf, loadCases } from './harness.js';

interface PluginCommand {
  command: string[];
  args?: string[];
}
interface Plugin {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { version?: string; generate: PluginCommand; discover?: { find?: PluginCommand }; parameters?: { static?: Array<{ name: string }> } };
}

const plugin = parse(readFileSync(join(REPO, 'argocd-cmp', 'plugin.yaml'), 'utf8')) as Plugin;
let box: Sandbox;

beforeAll(async () => {
  box = await sandbox();
});
afterAll(async () => {
  await box.cleanup();
});

/** What argocd-cmp-server puts in the environment besides the sidecar's own variables. */
function buildEnv(appPath: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: box.env['PATH'],
    NODE_OPTIONS: box.env['NODE_OPTIONS'],
    KUBECONFIG: box.env['KUBECONFIG'],
    HOME: box.dir,
    ARGOCD_APP_NAME: 'shop',
    ARGOCD_APP_NAMESPACE: 'shop',
    ARGOCD_APP_PROJECT_NAME: 'default',
    ARGOCD_APP_REVISION: '0123456789abcdef0123456789abcdef01234567',
    ARGOCD_APP_REVISION_SHORT: '0123456',
    ARGOCD_APP_REVISION_SHORT_8: '01234567',
    ARGOCD_APP_SOURCE_PATH: appPath,
    ARGOCD_APP_SOURCE_REPO_URL: 'https://example.com/acme/deploy.git',
    ARGOCD_APP_SOURCE_TARGET_REVISION: 'main',
    KUBE_VERSION: '1.32.4',
    KUBE_API_VERSIONS: 'v1,apps/v1,batch/v1',
    ...extra,
  };
}

const exec = (step: PluginCommand, cwd: string, env: NodeJS.ProcessEnv) => run(step.command[0]!, [...step.command.slice(1), ...(step.args ?? [])], { cwd, env });

describe('argocd-cmp/plugin.yaml', () => {
  it('is a valid ConfigManagementPlugin v2 announcing every setting as a parameter', () => {
    expect(plugin.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(plugin.kind).toBe('ConfigManagementPlugin');
    expect(plugin.metadata.name).not.toBe('');
    expect(plugin.spec.generate.command.length).toBeGreaterThan(0);
    expect((plugin.spec.parameters?.static ?? []).map((parameter) => parameter.name).sort()).toEqual(
      ['cluster', 'files', 'output', 'patchServiceAccounts', 'patchWorkloads'].sort(),
    );
  });

  it('discover matches an app directory with an ImagePullSecret and nothing else', async () => {
    const find = plugin.spec.discover?.find;
    expect(find).toBeDefined();
    const withImps = join(REPO, 'test', 'fixtures', 'cmp', 'app-and-secrets', 'app');
    const hit = await exec(find!, withImps, buildEnv('apps/shop'));
    expect(hit).toMatchObject({ code: 0, stdout: 'pull-secret.yaml\n' });
    const miss = await exec(find!, join(REPO, 'test', 'fixtures', 'cmp', 'env-settings', 'shared'), buildEnv('apps/x'));
    expect(miss).toMatchObject({ code: 0, stdout: '' });
  });
});

describe('cmp generate golden folders', () => {
  for (const golden of loadCases('cmp')) {
    it(golden.name, async () => {
      const app = join(golden.dir, 'app');
      const kube = golden.hasCluster ? await startFakeKubeApi({ objects: golden.clusterObjects }) : undefined;
      const env = { ...(kube ? { KUBECONFIG: kube.kubeconfigPath } : {}), ...golden.config.env };
      // As argocd-cmp-server lays it out: the repository (here test/fixtures/cmp) holds the app at this path.
      const result = await exec(plugin.spec.generate, app, buildEnv(`${golden.name}/app`, env)).finally(() => kube?.close());
      expect(result.stderr).toBe(expectedOf(golden.dir, 'expected-stderr.txt', result.stderr));
      expect(result.stdout).toBe(expectedOf(golden.dir, 'expected.yaml', result.stdout));
      expect(result.code).toBe(golden.config.exitCode ?? 0);
      for (const canary of canaries(golden.dir)) expect(result.stderr).not.toContain(canary);
      if (result.code !== 0) {
        expect(result.stdout).toBe(''); // fails closed
        return;
      }
      // What Argo CD parses: a YAML stream of plain Kubernetes objects, never a ResourceList.
      const objects = parseAllDocuments(result.stdout).map((document) => document.toJS() as Record<string, unknown>);
      expect(objects.length).toBeGreaterThan(0);
      for (const object of objects) {
        expect(typeof object['apiVersion']).toBe('string');
        expect(object['kind']).not.toBe('ResourceList');
        expect(typeof (object['metadata'] as { name?: unknown } | undefined)?.name).toBe('string');
      }
    });
  }
});
