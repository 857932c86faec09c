// The BUILT CLI (dist/cli.js, what users run) against every cloud fake, reached under the clouds' own host names:
// directly (test/fakes/host-redirect.mjs sends a named host's connections to its fake), or through an HTTPS proxy
// (test/fakes/connect-proxy.ts routes the CONNECT tunnels to the same fakes and counts them). A run through the proxy
// has no redirect at all: a name reaches a fake only if the client really asked the proxy for it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startConnectProxy, type FakeConnectProxy } from '../fakes/connect-proxy.js';
import { startFakeAws, type FakeAws } from '../fakes/aws-server.js';
import { startFakeAzure, type FakeAzure } from '../fakes/azure-server.js';
import { startFakeGoogle, type FakeGoogle } from '../fakes/google-server.js';
import { BUILT_CLI, REPO, run, type Ran } from '../e2e/cli-on-path.js';
import { guardedEnv } from '../guard/child-env.js';
import { AWS_HOSTS, cloudTls } from './cloud-tls.js';
import { GOOGLE_ISOLATION, serviceAccountKey } from './google-env.js';

export const ACR_REGISTRY = 'proxied.azurecr.io';
export const ACR_REGISTRY_2 = 'second.azurecr.io';
export const MI_CLIENT = '11111111-2222-3333-4444-555555555555';
export const WI_CLIENT = '66666666-aaaa-bbbb-cccc-000000000006';
export const SP_CLIENT = '77777777-aaaa-bbbb-cccc-000000000007';
export const TENANT = '33333333-aaaa-bbbb-cccc-000000000003';
export const SP_SECRET = 'CANARY-sp-secret';
export const WI_TOKEN = 'CANARY-federated-token';
export const SA_EMAIL = 'puller@demo.iam.gserviceaccount.com';
export const WEB_IDENTITY_ROLE = 'arn:aws:iam::123456789012:role/irsa-pull';
export const WEB_IDENTITY_TOKEN = 'CANARY-projected-sa-token';

export interface CloudRig {
  readonly aws: FakeAws;
  readonly azure: FakeAzure;
  readonly google: FakeGoogle;
  readonly proxy: FakeConnectProxy;
  /** A private folder for token files and inputs. */
  readonly dir: string;
  /** Forget every fake's knobs and calls, and the proxy's tunnels. */
  reset(): void;
  /**
   * The environment of a CLI run, direct or through the proxy, plus `extra`. `redirect` also sends named hosts to
   * their fakes in a proxied run: for hosts NO_PROXY exempts from the proxy.
   */
  env(how: 'direct' | 'proxy', extra?: Record<string, string | undefined>, options?: { redirect?: boolean }): NodeJS.ProcessEnv;
  /**
   * What the Azure Workload Identity webhook injects into a Pod. Not in `env` by default: with it set, the SDK's
   * ManagedIdentityCredential presents the federated token too (its token exchange source), as it would in that Pod.
   */
  readonly workloadIdentityEnv: Record<string, string>;
  /** IRSA: AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE. */
  readonly webIdentityEnv: Record<string, string>;
  close(): Promise<void>;
}

const HOST_REDIRECT = pathToFileURL(join(REPO, 'test', 'fakes', 'host-redirect.mjs')).href;

export async function startCloudRig(): Promise<CloudRig> {
  const tls = cloudTls();
  const [aws, azure, google] = await Promise.all([startFakeAws({ tls }), startFakeAzure(tls), startFakeGoogle(tls)]);
  const awsPort = Number(new URL(aws.httpsUrl!).port);
  const azurePort = Number(new URL(azure.authorityHost).port);
  const proxy = await startConnectProxy([
    { host: '*.amazonaws.com', port: awsPort },
    { host: '*.azurecr.io', port: azurePort },
    { host: 'oauth2.googleapis.com', port: google.oauthPort },
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'imps-krm-built-cli-'));
  const wiTokenFile = join(dir, 'azure-federated-token');
  writeFileSync(wiTokenFile, WI_TOKEN);
  const webIdentityFile = join(dir, 'aws-web-identity-token');
  writeFileSync(webIdentityFile, WEB_IDENTITY_TOKEN);
  const redirects = [...AWS_HOSTS.map((host) => `${host}=${aws.httpsUrl}`), `${ACR_REGISTRY}=${azure.authorityHost}`, `${ACR_REGISTRY_2}=${azure.authorityHost}`, `oauth2.googleapis.com=https://127.0.0.1:${google.oauthPort}`].join(',');

  const reset = (): void => {
    aws.reset();
    azure.reset();
    google.reset();
    proxy.reset();
    azure.allowManagedIdentity(MI_CLIENT);
    azure.allowFederatedToken(WI_CLIENT, WI_TOKEN);
    azure.allowClientSecret(SP_CLIENT, SP_SECRET);
    azure.setNow(() => new Date('2026-11-22T00:00:00Z'));
    google.allowServiceAccount(SA_EMAIL);
    aws.setNow(() => new Date());
    aws.allowWebIdentity(WEB_IDENTITY_ROLE, WEB_IDENTITY_TOKEN);
  };
  reset();

  return {
    aws,
    azure,
    google,
    proxy,
    dir,
    reset,
    workloadIdentityEnv: { AZURE_FEDERATED_TOKEN_FILE: wiTokenFile, AZURE_CLIENT_ID: WI_CLIENT, AZURE_TENANT_ID: TENANT },
    webIdentityEnv: { AWS_ROLE_ARN: WEB_IDENTITY_ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: webIdentityFile },
    env(how, extra = {}, options = {}) {
      const redirect = how === 'direct' || options.redirect === true;
      const base: Record<string, string | undefined> = {
        ...process.env,
        ...GOOGLE_ISOLATION,
        NODE_EXTRA_CA_CERTS: tls.caFile,
        AWS_EC2_METADATA_DISABLED: 'true',
        AZURE_AUTHORITY_HOST: azure.authorityHost,
        AZURE_POD_IDENTITY_AUTHORITY_HOST: azure.httpUrl,
        GCE_METADATA_HOST: google.metadataHost,
        GOOGLE_CLOUD_PROJECT: 'demo',
        // Kept out of the SDKs' way: without them, a cloud name would not resolve (nothing leaves loopback).
        AWS_ENDPOINT_URL: undefined,
        AWS_ENDPOINT_URL_ECR: undefined,
        AWS_ENDPOINT_URL_ECR_PUBLIC: undefined,
        AWS_ENDPOINT_URL_STS: undefined,
        // Only the sidecar's data dir for the launcher's code cache, not the developer's.
        XDG_CACHE_HOME: join(dir, 'cache'),
        KUBECONFIG: join(dir, 'no-kubeconfig'),
        ...(how === 'proxy'
          ? // vitest's NO_PROXY exempts loopback for the in-process tests: here everything goes to the proxy.
            { HTTPS_PROXY: proxy.url, NO_PROXY: undefined, no_proxy: undefined }
          : { HTTPS_PROXY: undefined }),
        ...(redirect ? { IMPS_KRM_TEST_HOST_REDIRECT: redirects } : {}),
        ...extra,
      };
      const env = Object.fromEntries(Object.entries(base).filter(([key, value]) => value !== undefined && !key.startsWith('VITEST'))) as NodeJS.ProcessEnv;
      const guarded = guardedEnv(env);
      if (redirect) guarded['NODE_OPTIONS'] = `${guarded['NODE_OPTIONS'] ?? ''} --import=${HOST_REDIRECT}`.trim();
      return guarded;
    },
    async close() {
      await Promise.all([aws.close(), azure.close(), google.close(), proxy.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One source Secret of each provider, as a user writes them (registries and endpoints by their real names). */
export const SOURCES: Record<string, () => Record<string, string>> = {
  ecr: () => ({ type: 'banzaicloud.io/aws-ecr-login-config', accountID: '123456789012', region: 'eu-west-1', accessKeyID: 'AKIAPRIVATE', secretKey: 'CANARY-private-secret' }),
  'ecr-keyless': () => ({ type: 'banzaicloud.io/aws-ecr-login-config', accountID: '123456789012', region: 'eu-west-1' }),
  'ecr-public': () => ({ type: 'imps-krm.io/ecr-public-login-config', accessKeyID: 'AKIAPUBLIC', secretKey: 'CANARY-public-secret' }),
  'ecr-public-keyless': () => ({ type: 'imps-krm.io/ecr-public-login-config' }),
  'acr-mi': () => ({ type: 'imps-krm.io/acr-login-config', registry: ACR_REGISTRY, identity: 'ManagedIdentity', clientID: MI_CLIENT }),
  'acr-wi': () => ({ type: 'imps-krm.io/acr-login-config', registry: ACR_REGISTRY, identity: 'WorkloadIdentity' }),
  'acr-sp': () => ({ type: 'imps-krm.io/acr-login-config', registry: ACR_REGISTRY, identity: 'ServicePrincipal', clientID: SP_CLIENT, tenantID: TENANT, clientSecret: SP_SECRET }),
  'gar-metadata': () => ({ type: 'imps-krm.io/gar-login-config', registry: 'europe-west1-docker.pkg.dev' }),
  'gar-key': () => ({ type: 'imps-krm.io/gar-login-config', registry: 'europe-west1-docker.pkg.dev', serviceAccountKey: serviceAccountKey(SA_EMAIL) }),
};

/** An ImagePullSecret using `sources` (Secrets named after them in namespace `ra`) for namespace `app`, and the Secrets. */
export function renderInput(sources: ReadonlyArray<string | { name: string; data: Record<string, string> }>): string {
  const named = sources.map((source) => (typeof source === 'string' ? { name: source, data: SOURCES[source]!() } : source));
  const imps = [
    'apiVersion: images.banzaicloud.io/v1alpha1',
    'kind: ImagePullSecret',
    'metadata: {name: pull}',
    'spec:',
    '  registry:',
    `    credentials: [${named.map(({ name }) => `{name: ${name}, namespace: ra}`).join(', ')}]`,
    '  target:',
    '    namespaces: {names: [app]}',
    '    secret: {name: pull}',
  ].join('\n');
  const secrets = named.map(({ name, data }) => {
    const { type, ...stringData } = data;
    return `apiVersion: v1\nkind: Secret\nmetadata: {name: ${name}, namespace: ra}\ntype: ${type}\nstringData: ${JSON.stringify(stringData)}`;
  });
  return [imps, ...secrets].join('\n---\n') + '\n';
}

/** `imps-krm render` of `input` in input mode, with the built CLI. */
export async function renderWithCli(rig: CloudRig, input: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  const work = mkdtempSync(join(rig.dir, 'render-'));
  writeFileSync(join(work, 'in.yaml'), input);
  return run(process.execPath, [BUILT_CLI, 'render', '-f', join(work, 'in.yaml'), '--cluster', 'input'], { cwd: work, env });
}

/** The `auths` of the dockerconfigjson Secret a render printed. */
export function authsOf(stdout: string): Record<string, { username: string; password: string }> {
  const encoded = /\.dockerconfigjson: (\S+)/.exec(stdout)?.[1];
  if (!encoded) return {};
  return (JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as { auths: Record<string, { username: string; password: string }> }).auths;
}

/** stderr lines, without the empty last one. */
export const linesOf = (text: string): string[] => text.split('\n').filter((line) => line !== '');
