// Golden folders for the cloud providers, through `render` and `fn`: test/fixtures/render-providers/<case>/, same layout as harness.ts
// (case.yaml, input/, cluster.yaml, expected.yaml, expected-stderr.txt), run through the CLI in a CHILD process:
// MSAL needs an https Entra fake, trusted through NODE_EXTRA_CA_CERTS, which Node reads only at start-up.
//
// Extra case.yaml knobs:
//   azure:  { managedIdentities: [id], federatedTokens: [{clientId, token}], clientSecrets: [{clientId, secret}],
//             failNext: [{endpoint, status, body}] }
//   google: { serviceAccounts: [email] }
//   files:  { name: content }  written next to the copied case
//   azureCalls: how many requests the Azure fakes (Entra, IMDS, ACR) must have seen, e.g. 0: nothing was asked
//   hosts:  registry host names (e.g. veryimportantcr.azurecr.io) sent to the Azure fake's https server by
//           test/fakes/host-redirect.mjs, so a manifest naming a real registry runs unchanged
//   faces:  [render, fn] by default; fn gets a ResourceList of input/ and cluster.yaml (functionConfig
//           cluster: input) and is compared with expected-fn.yaml / expected-fn-stderr.txt; cmp runs `cmp generate`
//           in an app directory holding input/ and cluster.yaml (the Application's setting cluster: input, project
//           `default`, which the sidecar's operator allows the ambient identity), compared with expected-cmp*.
// Placeholders in input/, cluster.yaml and env values:
//   {{AZURE_HTTP}}   the fake registry / IMDS base (http://127.0.0.1:PORT)
//   {{AZURE_HTTPS}}  the fake Entra ID (https://127.0.0.1:PORT), e.g. as a host a spec must not be able to name
//   {{FILE:name}}    absolute path of a file from `files`
//   {{GOOGLE_PROXY}} the CONNECT proxy fake, for HTTPS_PROXY
//   {{SA_KEY:email}} a fresh service-account key for email, escaped for use inside a double-quoted YAML string
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import type { FakeAzure, FakeAzureFailure } from '../fakes/azure-server.js';
import type { FakeGoogle } from '../fakes/google-server.js';
import { serviceAccountKey } from '../providers/google-env.js';
import { pathToFileURL } from 'node:url';
import { FIXED_NOW, type CaseConfig } from './harness.js';

const HOST_REDIRECT = pathToFileURL(join(import.meta.dirname, '..', 'fakes', 'host-redirect.mjs')).href;

/** The environment that sends `hosts` to the Azure fake's https server (empty without hosts). */
export function hostRedirectEnv(config: ProviderCaseConfig, azure: FakeAzure): Record<string, string> {
  const hosts = config.hosts ?? [];
  if (hosts.length === 0) return {};
  return {
    IMPS_KRM_TEST_HOST_REDIRECT: hosts.map((host) => `${host}=${azure.authorityHost}`).join(','),
    NODE_OPTIONS: `--import=${HOST_REDIRECT}`,
  };
}

export interface ProviderCaseConfig extends CaseConfig {
  azure?: {
    managedIdentities?: string[];
    federatedTokens?: Array<{ clientId: string; token: string }>;
    clientSecrets?: Array<{ clientId: string; secret: string }>;
    failNext?: Array<{ endpoint: 'entra-token' | 'imds' | 'acr-exchange' | 'acr-token' } & FakeAzureFailure>;
  };
  google?: { serviceAccounts?: string[] };
  azureCalls?: number;
  hosts?: string[];
  files?: Record<string, string>;
  faces?: Array<'render' | 'fn' | 'cmp'>;
}

export function configureAzure(azure: FakeAzure, config: ProviderCaseConfig): void {
  azure.reset();
  azure.setNow(() => FIXED_NOW);
  for (const id of config.azure?.managedIdentities ?? []) azure.allowManagedIdentity(id);
  for (const { clientId, token } of config.azure?.federatedTokens ?? []) azure.allowFederatedToken(clientId, token);
  for (const { clientId, secret } of config.azure?.clientSecrets ?? []) azure.allowClientSecret(clientId, secret);
  for (const { endpoint, ...failure } of config.azure?.failNext ?? []) azure.failNext(endpoint, failure);
}

export function configureGoogle(google: FakeGoogle, config: ProviderCaseConfig): void {
  google.reset();
  for (const email of config.google?.serviceAccounts ?? []) google.allowServiceAccount(email);
}

/** Copies a case to a temp folder with placeholders filled in; relative paths (input/imps.yaml) stay the same. */
export function materialize(dir: string, config: ProviderCaseConfig, fakes: { azure: FakeAzure; google: FakeGoogle }): {
  dir: string;
  fill: (text: string) => string;
} {
  const work = mkdtempSync(join(tmpdir(), 'imps-krm-golden-'));
  cpSync(dir, work, { recursive: true });
  const files = new Map<string, string>();
  for (const [name, content] of Object.entries(config.files ?? {})) {
    const path = join(work, `file-${name}`);
    writeFileSync(path, content);
    files.set(name, path);
  }
  const fill = (text: string): string =>
    text
      .replaceAll('{{AZURE_HTTPS}}', fakes.azure.authorityHost)
      .replaceAll('{{AZURE_HTTP}}', fakes.azure.httpUrl)
      .replaceAll('{{GOOGLE_PROXY}}', fakes.google.proxyUrl)
      .replace(/\{\{FILE:([\w.-]+)\}\}/g, (_, name: string) => files.get(name) ?? `missing-file-${name}`)
      .replace(/\{\{SA_KEY:([^}]+)\}\}/g, (_, email: string) => JSON.stringify(serviceAccountKey(email)).slice(1, -1));
  const walk = (path: string): void => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry) && !entry.startsWith('expected')) writeFileSync(full, fill(readFileSync(full, 'utf8')));
    }
  };
  walk(work);
  return { dir: work, fill };
}

/** An Argo CD app directory for `cmp generate`: the case's input/ and cluster.yaml, nothing else of the case. */
export function appDirectoryOf(dir: string): string {
  const app = join(dir, 'app');
  cpSync(join(dir, 'input'), app, { recursive: true });
  if (existsSync(join(dir, 'cluster.yaml'))) cpSync(join(dir, 'cluster.yaml'), join(app, 'cluster.yaml'));
  return app;
}

/**
 * Ports differ per run, also inside base64 `.dockerconfigjson` values (registry keys like http://127.0.0.1:PORT)
 * and repository credential URLs (`url`, and `repoURL`, where the address is a regular expression);
 * Google token expiry follows the real clock (`expires_in` from now), so it is shown relative to the run.
 */
export function normalizeProviderOutput(text: string, run: { startedAt: number; endedAt: number }): string {
  // Also the temp folder a case is copied to (federatedTokenFile paths pass through the fn output's items).
  const ports = (s: string): string =>
    s
      .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
      .replace(/127\\\.0\\\.0\\\.1:\d+/g, '127\\.0\\.0\\.1:PORT')
      .replace(/\S*imps-krm-golden-[A-Za-z0-9]+/g, 'CASE_DIR');
  return ports(text)
    .replace(/((?:\.dockerconfigjson|url|repoURL): )([A-Za-z0-9+/=]+)/g, (_, key: string, b64: string) => {
      const decoded = Buffer.from(b64, 'base64').toString('utf8');
      return `${key}${Buffer.from(ports(decoded), 'utf8').toString('base64')}`;
    })
    .replace(/(imps-krm\.io\/expires-at: )"([^"\s]+)"/g, (whole, key: string, value: string) => {
      const at = Date.parse(value);
      for (const seconds of [3599]) {
        if (at >= run.startedAt + seconds * 1000 - 2000 && at <= run.endedAt + seconds * 1000 + 2000) return `${key}"NOW+${seconds}s"`;
      }
      return whole;
    });
}

/** The KRM function's stdin for a materialized case: every document of input/ and cluster.yaml as items. */
export function resourceListOf(dir: string): string {
  const files = readdirSync(join(dir, 'input')).sort().map((name) => join(dir, 'input', name));
  if (existsSync(join(dir, 'cluster.yaml'))) files.push(join(dir, 'cluster.yaml'));
  const items = files.flatMap((file) => parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => doc.toJS() as unknown).filter(Boolean));
  return stringify({
    apiVersion: 'config.kubernetes.io/v1',
    kind: 'ResourceList',
    functionConfig: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'function-input' }, data: { cluster: 'input' } },
    items,
  });
}
