// `imps-krm install` runs the copy it just made once per short-lived face (fn, render, cmp, the legacy kustomize
// plugin) on a small built-in input, with IMPS_KRM_CODE_CACHE_PREWARM=1: each run leaves the V8 code cache of what it
// executed in DIR/code-cache/ (src/cli/launcher/code-cache.ts). Done at image build time, the first render in a
// pod starts warm although the container's file system is read-only and no user cache directory exists.
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

// The sample: one Namespace with a Deployment, an ImagePullSecret over a docker-config source Secret, input mode.
const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
const DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'web', image: 'ghcr.io/acme/web:1.0' }] } },
  },
};
const SOURCE = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'registry-login', namespace: 'registry-access' },
  type: 'kubernetes.io/dockerconfigjson',
  stringData: { '.dockerconfigjson': '{"auths":{"ghcr.io":{"username":"prewarm","password":"prewarm"}}}' },
};
const IMPS = {
  apiVersion: 'images.banzaicloud.io/v1alpha1',
  kind: 'ImagePullSecret',
  metadata: {
    name: 'shop-pull',
    annotations: { 'config.kubernetes.io/local-config': 'true', 'imps-krm.io/cluster': 'input', 'imps-krm.io/files': 'registry-login.yaml' },
  },
  spec: { registry: { credentials: [{ name: 'registry-login', namespace: 'registry-access' }] }, target: { namespaces: { names: ['shop'] }, secret: { name: 'regcred' } } },
};

const yamlStream = (objects: readonly unknown[]): string => objects.map((object) => stringify(object)).join('---\n');

/** Runs each face once through `entry`; returns a one-line problem, or undefined when every run exited 0. */
export async function prewarmCodeCache(entry: string, env: NodeJS.ProcessEnv, prewarmEnv: string): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'imps-krm-prewarm-'));
  try {
    await writeFile(join(dir, 'app.yaml'), yamlStream([NAMESPACE, DEPLOYMENT]));
    await writeFile(join(dir, 'pull-secret.yaml'), yamlStream([IMPS]));
    await writeFile(join(dir, 'registry-login.yaml'), yamlStream([SOURCE]));
    const plugin = join(dir, 'ImagePullSecret');
    await symlink(entry, plugin);
    const resourceList = stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [NAMESPACE, DEPLOYMENT, IMPS, SOURCE] });
    const childEnv = { ...env, [prewarmEnv]: '1', KUBECONFIG: join(dir, 'no-kubeconfig'), ARGOCD_ENV_CLUSTER: 'input', ARGOCD_ENV_FILES: 'registry-login.yaml' };
    const runs: ReadonlyArray<{ face: string; args: string[]; stdin?: string }> = [
      { face: 'fn', args: [entry, 'fn'], stdin: resourceList },
      { face: 'render', args: [entry, 'render', '-f', dir, '--cluster', 'input'] },
      { face: 'cmp generate', args: [entry, 'cmp', 'generate'] },
      { face: 'kustomize-plugin', args: [plugin, join(dir, 'pull-secret.yaml')] },
    ];
    for (const run of runs) {
      const failure = await runOnce(run.args, dir, childEnv, run.stdin ?? '');
      if (failure !== undefined) return `prewarming the code cache: ${run.face} ${failure}`;
    }
    return undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runOnce(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, stdin: string): Promise<string | undefined> {
  // Loaded here, not at the top: the bundle every face starts from requires no process module up front.
  const { execFile } = await import('node:child_process');
  return new Promise((done) => {
    const child = execFile(process.execPath, [...args], { cwd, env, maxBuffer: 4 << 20, timeout: 60_000 }, (error, _stdout, stderr) => {
      if (!error) done(undefined);
      else done(`failed (${typeof error.code === 'number' ? `exit ${error.code}` : error.message}): ${stderr.split('\n')[0] ?? ''}`);
    });
    child.stdin?.end(stdin);
  });
}
