// Issue 8 item 2, reproduced through every face that renders: an ACR source naming `federatedTokenFile` (a file
// holding a canary, standing for the Pod's service-account token) and `authorityHost` (a loopback listener standing
// for the attacker's host). Before the fix, render, `cmp generate` (even with cluster=input) and the controller POSTed
// the file's content as `client_assertion` to that host. Now both keys are operator settings (docs/security.md): the
// source is refused by field, no connection reaches the listener and the canary appears in no output.
import https from 'node:https';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { REPO, run, sandbox, type Sandbox } from '../e2e/cli-on-path.js';
import { imps, ns, startRig, statusOf, waitFor } from '../controller/harness.js';
import { cloudTls } from './cloud-tls.js';
import { runBuilt } from './child.js';

const CANARY = 'CANARY-service-account-token-exfil-0042';

interface Listener {
  readonly origin: string;
  /** TCP connections accepted: a TLS handshake that fails (an untrusted certificate) still counts. */
  connections: number;
  readonly requests: string[];
  close(): Promise<void>;
}

/** An https host that answers like Entra ID would, so a client that trusts it goes as far as posting the assertion. */
async function startListener(): Promise<Listener> {
  const tls = cloudTls();
  const listener: Listener = { origin: '', connections: 0, requests: [], close: async () => undefined };
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      listener.requests.push(`${request.method} ${request.url} ${body}`);
      const tenant = `${listener.origin}/tenant-1`;
      const json = request.url?.includes('openid-configuration')
        ? {
            issuer: `${tenant}/v2.0`,
            token_endpoint: `${tenant}/oauth2/v2.0/token`,
            authorization_endpoint: `${tenant}/oauth2/v2.0/authorize`,
            end_session_endpoint: `${tenant}/oauth2/v2.0/logout`,
            jwks_uri: `${tenant}/discovery/v2.0/keys`,
          }
        : { error: 'invalid_client', error_description: 'AADSTS700213: captured' };
      response.writeHead(request.url?.includes('openid-configuration') ? 200 : 400, { 'content-type': 'application/json' });
      response.end(JSON.stringify(json));
    });
  });
  server.on('connection', () => listener.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(listener, {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
  return listener;
}

let listener: Listener;
let canaryFile: string;
let work: string;

beforeAll(async () => {
  listener = await startListener();
  work = mkdtempSync(join(tmpdir(), 'imps-krm-exfil-'));
  canaryFile = join(work, 'token');
  writeFileSync(canaryFile, CANARY);
});
afterAll(async () => {
  await listener.close();
});
beforeEach(() => {
  listener.connections = 0;
  listener.requests.length = 0;
});

/** The keys the attacker writes; everything else is a valid workload identity source. */
const attackerConfig = (): Record<string, string> => ({
  registry: 'myregistry.azurecr.io',
  identity: 'WorkloadIdentity',
  clientID: '99999999-aaaa-bbbb-cccc-000000000009',
  tenantID: 'tenant-1',
  federatedTokenFile: canaryFile,
  authorityHost: listener.origin,
});

const target = { secret: { name: 'acr-pull' }, namespaces: { names: ['app'] } };
const inlineSpec = (): Record<string, unknown> => ({ registry: { inline: [{ type: 'imps-krm.io/acr-login-config', config: attackerConfig() }] }, target });
const secretSource = (): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'acr-exfil', namespace: 'registry-access' },
  type: 'imps-krm.io/acr-login-config',
  stringData: attackerConfig(),
});
const secretSpec = { registry: { credentials: [{ name: 'acr-exfil', namespace: 'registry-access' }] }, target };
const manifests = (...objects: Array<Record<string, unknown>>): string => objects.map((object) => stringify(object)).join('---\n');

/** Nothing reached the listener, by any face so far. */
function expectUntouched(): void {
  expect(listener.requests).toEqual([]);
  expect(listener.connections).toBe(0);
}

describe('ACR token exfiltration (issue 8 item 2): the spec names a token file and an authority host', () => {
  // NODE_EXTRA_CA_CERTS makes the listener trusted: were the source honoured, the canary would arrive in a POST body.
  const childEnv = { NODE_EXTRA_CA_CERTS: cloudTls().caFile, AZURE_FEDERATED_TOKEN_FILE: undefined, AZURE_AUTHORITY_HOST: undefined };

  it.each([
    ['an inline source', () => manifests(ns('app'), imps('exfil', inlineSpec())), /spec\.registry\.inline\[0\]\.config\.federatedTokenFile: not accepted from a source/],
    ['a source Secret', () => manifests(ns('app'), secretSource(), imps('exfil', secretSpec)), /source registry-access\.acr-exfil: federatedTokenFile: not accepted from a source/],
  ])('render refuses %s and contacts no host', async (_name, input, message) => {
    const file = join(work, `render-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, input());
    const result = await runBuilt(['render', '-f', file, '--cluster', 'input'], childEnv);
    expectUntouched();
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/authorityHost: not accepted from a source/);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).not.toContain(CANARY);
    expectUntouched();
  });

  describe('cmp generate (the built CLI, as plugin.yaml runs it)', () => {
    let box: Sandbox;
    beforeAll(async () => {
      box = await sandbox();
    });
    afterAll(async () => {
      await box.cleanup();
    });

    it('refuses the inline source with cluster=input and contacts no host', async () => {
      const plugin = parse(readFileSync(join(REPO, 'argocd-cmp', 'plugin.yaml'), 'utf8')) as { spec: { generate: { command: string[]; args?: string[] } } };
      const app = mkdtempSync(join(work, 'app-'));
      writeFileSync(join(app, 'pull-secret.yaml'), manifests(ns('app'), imps('exfil', inlineSpec())));
      const [command, ...rest] = plugin.spec.generate.command;
      const result = await run(command!, [...rest, ...(plugin.spec.generate.args ?? [])], {
        cwd: app,
        env: {
          ...box.env,
          NODE_EXTRA_CA_CERTS: cloudTls().caFile,
          ARGOCD_APP_NAME: 'shop',
          ARGOCD_APP_PROJECT_NAME: 'default',
          ARGOCD_APP_SOURCE_PATH: 'apps/shop',
          ARGOCD_APP_PARAMETERS: '[{"name":"cluster","string":"input"}]',
        },
      });
      expectUntouched();
      expect(result.stderr).toMatch(/spec\.registry\.inline\[0\]\.config\.federatedTokenFile: not accepted from a source/);
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).not.toContain(CANARY);
      expectUntouched();
    });
  });

  it('the controller reports both forms as failures, writes nothing and contacts no host', async () => {
    const rig = await startRig([
      ns('default'),
      ns('app'),
      ns('registry-access'),
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'acr-exfil', namespace: 'registry-access' },
        type: 'imps-krm.io/acr-login-config',
        data: Object.fromEntries(Object.entries(attackerConfig()).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
      },
      imps('exfil-inline', inlineSpec()),
      imps('exfil-secret', secretSpec),
    ]);
    try {
      const inline = await waitFor(() => statusOf(rig.kube, 'exfil-inline'));
      const secret = await waitFor(() => statusOf(rig.kube, 'exfil-secret'));
      expectUntouched();
      expect(inline).toMatchObject({ status: 'Failed' });
      expect(JSON.stringify(inline)).toContain('spec.registry.inline[0].config.federatedTokenFile: not accepted from a source');
      expect(secret).toMatchObject({ status: 'Failed', sourceSecretStatus: { 'registry-access.acr-exfil': expect.stringContaining('federatedTokenFile: not accepted from a source') } });
      expect(rig.kube.get('v1', 'Secret', 'acr-pull', 'app')).toBeUndefined();
      expect(JSON.stringify([inline, secret]) + rig.logs()).not.toContain(CANARY);
      expectUntouched();
    } finally {
      await rig.close();
    }
  });
});
