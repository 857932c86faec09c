// kubeconfig exec credential plugins, run for real (small sh scripts) against the fake API server: what the
// plugin receives, caching until expiry, one re-run after a 401, and one-line errors that never carry credentials.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeAccess } from '../../src/adapters/kube/kube-access.js';
import { kubeHttp } from '../../src/adapters/kube/kube-http.js';
import { startFakeKubeApi, type FakeKubeApi } from '../fakes/kube-api-server.js';
import { tempDir, writeKubeconfig } from './kubeconfig-file.js';

const V1 = 'client.authentication.k8s.io/v1';
let kube: FakeKubeApi;

beforeAll(async () => {
  // Run n of the plugin below mints `exec-token-<n>`: the server accepts only the second one and the long-lived one.
  kube = await startFakeKubeApi({ tokens: ['exec-token-2', 'long-lived'] });
});
afterAll(async () => kube.close());

/** A plugin that logs each run, its arguments and KUBERNETES_EXEC_INFO, and prints `credential` (sh, `$N` = run number). */
function plugin(dir: string, credential: string, options: { exitCode?: number; stderr?: string; sleep?: number } = {}): string {
  const path = join(dir, 'plugin.sh');
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      'echo run >> "$PLUGIN_LOG"',
      'N=$(wc -l < "$PLUGIN_LOG" | tr -d " ")',
      'printf "%s" "$KUBERNETES_EXEC_INFO" > "$PLUGIN_LOG.info"',
      'echo "$@" > "$PLUGIN_LOG.args"',
      options.sleep ? `sleep ${options.sleep}` : '',
      options.stderr ? `printf '%s' '${options.stderr}' >&2` : '',
      `printf '%s\\n' "${credential.replace(/"/g, '\\"')}"`,
      `exit ${options.exitCode ?? 0}`,
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return path;
}

function setup(credential: string, exec: Record<string, unknown> = {}, options: Parameters<typeof plugin>[2] = {}) {
  const dir = tempDir('exec-');
  const log = join(dir, 'runs.log');
  plugin(dir, credential, options);
  const kubeconfig = writeKubeconfig(dir, {
    cluster: { server: kube.url, extensions: [{ name: 'client.authentication.k8s.io/exec', extension: { audience: 'test' } }] },
    user: { exec: { apiVersion: V1, command: './plugin.sh', args: ['--region', 'eu-west-1'], env: [{ name: 'PLUGIN_LOG', value: log }], interactiveMode: 'Never', ...exec } },
  });
  const runs = (): number => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0);
  return { dir, log, kubeconfig, runs };
}

const credential = (status: Record<string, unknown>, apiVersion = V1): string => JSON.stringify({ apiVersion, kind: 'ExecCredential', status });

async function failure(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a failure');
}

describe('exec credential plugins', () => {
  it('runs the plugin with its args, env and KUBERNETES_EXEC_INFO, and caches the token until it expires', async () => {
    const { kubeconfig, runs, log } = setup(credential({ token: 'long-lived', expirationTimestamp: '2030-01-01T00:00:00Z' }), { provideClusterInfo: true });
    let now = Date.parse('2029-12-31T23:00:00Z');
    const http = kubeHttp(loadKubeAccess({ kubeconfig }, { PATH: process.env['PATH'] }, { now: () => now }));
    await http.request('GET', '/api/v1/namespaces');
    await http.request('GET', '/api/v1/namespaces');
    expect(runs()).toBe(1);
    expect(readFileSync(`${log}.args`, 'utf8').trim()).toBe('--region eu-west-1');
    expect(JSON.parse(readFileSync(`${log}.info`, 'utf8'))).toEqual({
      apiVersion: V1,
      kind: 'ExecCredential',
      spec: { interactive: false, cluster: { server: kube.url, config: { audience: 'test' } } },
    });
    now = Date.parse('2030-01-01T00:00:01Z');
    await http.request('GET', '/api/v1/namespaces');
    expect(runs()).toBe(2);
  });

  it('runs the plugin again after a 401 and retries the request once (v1beta1 too)', async () => {
    const beta = 'client.authentication.k8s.io/v1beta1';
    const { kubeconfig, runs } = setup(credential({ token: 'exec-token-$N' }, beta), { apiVersion: beta });
    const list = (await kubeHttp(loadKubeAccess({ kubeconfig }, process.env)).request('GET', '/api/v1/namespaces')) as { kind: string };
    expect(list.kind).toBe('NamespaceList');
    expect(runs()).toBe(2);
  });

  it('refuses an answer in another apiVersion than the one asked for', async () => {
    const { kubeconfig } = setup(credential({ token: 'long-lived' }), { apiVersion: 'client.authentication.k8s.io/v1beta1' });
    expect(await failure(kubeHttp(loadKubeAccess({ kubeconfig }, process.env)).request('GET', '/api/v1/namespaces'))).toBe(
      `kubeconfig ${kubeconfig}: users[0].user.exec: plugin "${join(kubeconfig, '..', 'plugin.sh')}" answered with another apiVersion than the client.authentication.k8s.io/v1beta1 it was asked for`,
    );
  });

  it('re-runs only once: a second 401 is the answer', async () => {
    const { kubeconfig, runs } = setup(credential({ token: 'never-accepted' }));
    const error = await failure(kubeHttp(loadKubeAccess({ kubeconfig }, process.env)).request('GET', '/api/v1/namespaces'));
    expect(error).toBe('GET /api/v1/namespaces: HTTP 401: Unauthorized');
    expect(runs()).toBe(2);
  });

  it('uses a client certificate and key from the plugin', async () => {
    const { kubeconfig } = setup(credential({ clientCertificateData: '-----BEGIN CERTIFICATE-----\nnot a real one\n-----END CERTIFICATE-----\n' }));
    expect(await failure(kubeHttp(loadKubeAccess({ kubeconfig }, process.env)).request('GET', '/api/v1/namespaces'))).toBe(
      `kubeconfig ${kubeconfig}: users[0].user.exec: plugin "${join(kubeconfig, '..', 'plugin.sh')}" returned only one of clientCertificateData and clientKeyData`,
    );
  });

  const failures: Array<[string, string, Record<string, unknown>, Parameters<typeof plugin>[2], RegExp]> = [
    [
      'a failing plugin: its stderr on the same line, anything like a credential replaced',
      'CANARY-stdout',
      {},
      { exitCode: 3, stderr: 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl expired\nlogin again: aws sso login\nkey CANARYABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789' },
      /plugin "[^"]+" failed with exit code 3; its stderr: token \[redacted\] expired login again: aws sso login key \[redacted\]$/,
    ],
    ['a plugin that prints no JSON', 'CANARY-token-text', {}, {}, /plugin "[^"]+" printed no ExecCredential JSON on stdout$/],
    ['a plugin that returns no credential', credential({ expirationTimestamp: '2030-01-01T00:00:00Z' }), {}, {}, /returned neither a token nor a client certificate and key$/],
    ['a plugin that takes too long', credential({ token: 'CANARY-late' }), {}, { sleep: 60 }, /plugin "[^"]+" did not finish within 0\.3 s$/],
    ['interactiveMode Always', credential({ token: 'x' }), { interactiveMode: 'Always' }, {}, /users\[0\]\.user\.exec\.interactiveMode: Always needs a terminal, and imps-krm runs credential plugins without one; use IfAvailable or Never$/],
    ['a plugin that is not installed', '', { command: 'imps-krm-no-such-plugin', installHint: 'Install it with:\n  brew install no-such-plugin' }, {}, /users\[0\]\.user\.exec\.command: plugin "imps-krm-no-such-plugin" not found in PATH; Install it with: brew install no-such-plugin$/],
  ];
  for (const [name, output, exec, options, expected] of failures) {
    it(name, async () => {
      const { kubeconfig } = setup(output, exec, options);
      // A plugin that hangs (with a child of its own holding stdout) must not hold us: the test timeout bounds this.
      const message = await failure(kubeHttp(loadKubeAccess({ kubeconfig }, process.env, { execTimeoutMs: 300 })).request('GET', '/api/v1/namespaces'));
      expect(message).toMatch(new RegExp(`^kubeconfig ${kubeconfig}: users\\[0\\]\\.user\\.exec`));
      expect(message).toMatch(expected);
      expect(message).not.toContain('\n');
      expect(message).not.toContain('CANARY');
    });
  }

  it('never runs the plugin when the user has a token of its own (as client-go)', async () => {
    const { dir, runs } = setup(credential({ token: 'x' }));
    const kubeconfig = writeKubeconfig(dir, { cluster: { server: kube.url }, user: { token: 'long-lived', exec: { apiVersion: V1, command: './plugin.sh', env: [{ name: 'PLUGIN_LOG', value: join(dir, 'runs.log') }] } } }, 'with-token');
    await kubeHttp(loadKubeAccess({ kubeconfig }, process.env)).request('GET', '/api/v1/namespaces');
    expect(runs()).toBe(0);
  });

  it('resolves a bare command in PATH', async () => {
    const { dir, runs } = setup(credential({ token: 'long-lived' }));
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'my-plugin'), readFileSync(join(dir, 'plugin.sh')));
    chmodSync(join(dir, 'bin', 'my-plugin'), 0o755);
    const kubeconfig = writeKubeconfig(dir, { cluster: { server: kube.url }, user: { exec: { apiVersion: V1, command: 'my-plugin', env: [{ name: 'PLUGIN_LOG', value: join(dir, 'runs.log') }] } } }, 'bare');
    await kubeHttp(loadKubeAccess({ kubeconfig }, { PATH: `${join(dir, 'bin')}:/usr/bin:/bin` })).request('GET', '/api/v1/namespaces');
    expect(runs()).toBe(1);
  });
});
