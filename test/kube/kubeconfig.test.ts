// The kubeconfig loader: kubectl's file precedence and merge, field checks with one-line errors that name the file
// and the field and never quote the file, paths relative to the kubeconfig, and the in-cluster service account.
import { mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadKubeAccess } from '../../src/adapters/kube/kube-access.js';
import { loadKubeconfig } from '../../src/adapters/kube/kubeconfig.js';
import { KubeconfigError } from '../../src/adapters/kube/kubeconfig-files.js';
import { tempDir, writeKubeconfig } from './kubeconfig-file.js';

const NO_HOME = { HOME: join(tempDir(), 'home') };

function errorOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(KubeconfigError);
    return (error as Error).message;
  }
  throw new Error('expected a KubeconfigError');
}

async function headersOf(kubeconfig: string, env: NodeJS.ProcessEnv = NO_HOME, now?: () => number): Promise<Record<string, unknown>> {
  const access = loadKubeAccess({ kubeconfig }, env, now ? { now } : {});
  return { ...(await access.connection()).headers };
}

describe('which kubeconfig, merged as kubectl does', () => {
  it('merges the KUBECONFIG list: the first file wins current-context and each named entry whole', () => {
    const dir = tempDir();
    const first = join(dir, 'first');
    const second = join(dir, 'second');
    writeFileSync(
      first,
      stringify({
        'current-context': 'one',
        contexts: [{ name: 'one', context: { cluster: 'shared', user: 'shared' } }],
        clusters: [{ name: 'shared', cluster: { server: 'https://first.example' } }],
        users: [{ name: 'shared', user: { token: 'first-token' } }],
      }),
    );
    writeFileSync(
      second,
      stringify({
        'current-context': 'two',
        contexts: [{ name: 'two', context: { cluster: 'shared', user: 'shared' } }, { name: 'one', context: { cluster: 'other' } }],
        clusters: [{ name: 'shared', cluster: { server: 'https://second.example', 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'shared', user: { token: 'second-token', username: 'ignored' } }],
      }),
    );
    const env = { ...NO_HOME, KUBECONFIG: [join(dir, 'missing'), first, second].join(delimiter) };
    const merged = loadKubeconfig({}, env)!;
    expect(merged.files).toEqual([first, second]);
    expect(merged.cluster.server.href).toBe('https://first.example/');
    expect(merged.cluster.insecure).toBe(false); // not merged field by field from the second file's entry
    expect(merged.user).toMatchObject({ token: 'first-token', basic: undefined });
    // The second file's context `two` is reachable, but its cluster and user names resolve to the first file's.
    expect(loadKubeconfig({ context: 'two' }, env)!.cluster.server.href).toBe('https://first.example/');
  });

  it('chooses the context from --context, then IMPS_KRM_CONTEXT, then current-context', () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    writeFileSync(
      file,
      stringify({
        'current-context': 'a',
        contexts: ['a', 'b', 'c'].map((name) => ({ name, context: { cluster: name } })),
        clusters: ['a', 'b', 'c'].map((name) => ({ name, cluster: { server: `https://${name}.example` } })),
      }),
    );
    const server = (selection: { context?: string }, env: NodeJS.ProcessEnv): string => loadKubeconfig({ kubeconfig: file, ...selection }, env)!.cluster.server.hostname;
    expect(server({}, NO_HOME)).toBe('a.example');
    expect(server({}, { ...NO_HOME, IMPS_KRM_CONTEXT: 'b' })).toBe('b.example');
    expect(server({ context: 'c' }, { ...NO_HOME, IMPS_KRM_CONTEXT: 'b' })).toBe('c.example');
    expect(errorOf(() => server({}, { ...NO_HOME, IMPS_KRM_CONTEXT: 'nope' }))).toBe(`kubeconfig ${file}: context "nope" (from --context or IMPS_KRM_CONTEXT) not found`);
  });

  it('reads ~/.kube/config when KUBECONFIG is unset, and only KUBECONFIG when it is set', () => {
    const home = tempDir();
    mkdirSync(join(home, '.kube'));
    writeKubeconfig(join(home, '.kube'), { cluster: { server: 'https://home.example' } });
    expect(loadKubeconfig({}, { HOME: home })!.cluster.server.hostname).toBe('home.example');
    expect(loadKubeconfig({}, { HOME: home, KUBECONFIG: join(home, 'nothing-here') })).toBeUndefined();
  });

  it('fails when the --kubeconfig file is missing, and when nothing at all is configured', () => {
    const dir = tempDir();
    expect(errorOf(() => loadKubeAccess({ kubeconfig: join(dir, 'nope') }, NO_HOME))).toBe(`kubeconfig ${join(dir, 'nope')}: cannot read: ENOENT`);
    expect(errorOf(() => loadKubeAccess({}, { HOME: dir }))).toBe(
      `no kubeconfig found (looked for ${join(dir, '.kube', 'config')}) and no in-cluster service account (KUBERNETES_SERVICE_HOST unset or no token)`,
    );
    expect(errorOf(() => loadKubeAccess({ context: 'prod' }, { HOME: dir }))).toMatch(/^context "prod" \(from --context or IMPS_KRM_CONTEXT\) not found: no kubeconfig file/);
  });
});

describe('kubeconfig errors: one line, the file and the field, never the text', () => {
  const cases: Array<[string, Parameters<typeof writeKubeconfig>[1], string]> = [
    ['no server', { cluster: {} }, 'clusters[0].cluster.server: missing'],
    ['a server that is not a URL', { cluster: { server: 'CANARY-not a url' } }, 'clusters[0].cluster.server: must be an http or https URL'],
    ['a boolean as text', { cluster: { server: 'https://k', 'insecure-skip-tls-verify': 'CANARY-yes' } }, 'clusters[0].cluster.insecure-skip-tls-verify: must be true or false'],
    ['bad base64', { cluster: { server: 'https://k', 'certificate-authority-data': 'CANARY-%%%' } }, 'clusters[0].cluster.certificate-authority-data: must be base64'],
    ['a token that is not a string', { user: { token: ['CANARY-token'] } }, 'users[0].user.token: must be a string'],
    ['a misspelt field', { user: { tokenfile: 'CANARY-path' } }, 'users[0].user.tokenfile: unknown field (a typo would silently drop a credential)'],
    // Found by test/fuzz/kubeconfig.test.ts: a key holding a line break made the error two lines.
    ['a field name holding a line break', { user: { 'CANARY\nx': 'y' } }, 'users[0].user[<key of 8 characters>]: unknown field (a typo would silently drop a credential)'],
    ['an auth provider', { user: { 'auth-provider': { name: 'gcp', config: { 'access-token': 'CANARY-at' } } } }, 'users[0].user.auth-provider: not supported: auth providers are deprecated in Kubernetes; use an exec credential plugin (client.authentication.k8s.io/v1)'],
    ['an old exec apiVersion', { user: { exec: { apiVersion: 'client.authentication.k8s.io/v1alpha1', command: 'x' } } }, 'users[0].user.exec.apiVersion: must be client.authentication.k8s.io/v1 or client.authentication.k8s.io/v1beta1'],
    ['an exec without command', { user: { exec: { apiVersion: 'client.authentication.k8s.io/v1' } } }, 'users[0].user.exec.command: missing'],
    ['an exec env entry without value', { user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'x', env: [{ name: 'A' }] } } }, 'users[0].user.exec.env[0]: must be a mapping with a string name and value'],
    ['a certificate without key', { user: { 'client-certificate-data': 'Q0VSVA==' } }, 'users[0].user.client-key: missing: a client certificate needs its key and the key its certificate'],
    ['token and basic auth', { user: { token: 'CANARY-t', username: 'me', password: 'CANARY-p' } }, 'users[0].user.username: more than one authentication method (token and basic auth); keep one'],
    ['a CA with insecure', { cluster: { server: 'https://k', 'certificate-authority-data': 'Q0E=', 'insecure-skip-tls-verify': true } }, 'cluster: certificate-authority with insecure-skip-tls-verify: choose one (kubectl refuses both too)'],
    ['a proxy for an http server', { cluster: { server: 'http://k', 'proxy-url': 'http://proxy:3128' } }, 'clusters[0].cluster.proxy-url: only an https server can be reached through a proxy'],
  ];
  for (const [name, parts, expected] of cases) {
    it(name, () => {
      const file = writeKubeconfig(tempDir(), parts);
      const message = errorOf(() => loadKubeAccess({ kubeconfig: file }, NO_HOME));
      expect(message).toBe(`kubeconfig ${file}: ${expected}`);
      expect(message).not.toContain('CANARY');
    });
  }

  it('a context naming a missing cluster or user, or no current context', () => {
    const dir = tempDir();
    const file = writeKubeconfig(dir, { extra: { contexts: [{ name: 'c', context: { cluster: 'k', user: 'nobody' } }] } });
    expect(errorOf(() => loadKubeconfig({ kubeconfig: file }, NO_HOME))).toBe(`kubeconfig ${file}: contexts[0].context.user: names no entry of users`);
    const noCurrent = writeKubeconfig(dir, { currentContext: '' }, 'no-current');
    expect(errorOf(() => loadKubeconfig({ kubeconfig: noCurrent }, NO_HOME))).toBe(
      `kubeconfig ${noCurrent}: no current-context; set one, or choose a context with --context or IMPS_KRM_CONTEXT`,
    );
  });

  it('YAML mistakes give the line, not the text (the token line may be the broken one)', () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    writeFileSync(file, 'apiVersion: v1\nusers:\n- name: u\n  user:\n    token: "CANARY-half-quoted\n');
    const message = errorOf(() => loadKubeconfig({ kubeconfig: file }, NO_HOME));
    expect(message).toMatch(new RegExp(`^kubeconfig ${file}: invalid YAML at line \\d+, column \\d+: [^:]+$`));
    expect(message).not.toContain('CANARY');
    writeFileSync(file, 'users:\n- name: u\n  user: {token: CANARY-a, token: CANARY-b}\n');
    expect(errorOf(() => loadKubeconfig({ kubeconfig: file }, NO_HOME))).not.toContain('CANARY');
    writeFileSync(file, `a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 20 }, (_, i) => `b${i}: &b${i} [${Array(10).fill(i === 0 ? '*a' : `*b${i - 1}`).join(', ')}]`).join('\n')}\n`);
    expect(errorOf(() => loadKubeconfig({ kubeconfig: file }, NO_HOME))).toBe(`kubeconfig ${file}: too large at line 12, column 12: more than 100 aliases in one document (an imps-krm input limit)`);
  });
});

describe('credentials from the kubeconfig', () => {
  it('resolves relative paths against the kubeconfig folder', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'certs'));
    writeFileSync(join(dir, 'certs', 'ca.pem'), 'CA-BYTES');
    writeFileSync(join(dir, 'certs', 'client.pem'), 'CERT-BYTES');
    writeFileSync(join(dir, 'certs', 'client.key'), 'KEY-BYTES');
    const file = writeKubeconfig(dir, {
      cluster: { server: 'https://k.example', 'certificate-authority': 'certs/ca.pem' },
      user: { 'client-certificate': 'certs/client.pem', 'client-key': 'certs/client.key', exec: { apiVersion: 'client.authentication.k8s.io/v1', command: './bin/plugin' } },
    });
    const settings = loadKubeconfig({ kubeconfig: file }, { HOME: '/nowhere' })!;
    expect(String(settings.cluster.ca)).toBe('CA-BYTES');
    expect(String(settings.user.cert)).toBe('CERT-BYTES');
    expect(String(settings.user.key)).toBe('KEY-BYTES');
    expect(settings.user.exec?.command).toBe(join(dir, 'bin', 'plugin'));
    const bare = writeKubeconfig(dir, { user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'aws' } } }, 'bare');
    expect(loadKubeconfig({ kubeconfig: bare }, NO_HOME)!.user.exec?.command).toBe('aws'); // looked up in PATH
    const missing = writeKubeconfig(dir, { cluster: { server: 'https://k', 'certificate-authority': 'certs/none.pem' } }, 'missing');
    expect(errorOf(() => loadKubeconfig({ kubeconfig: missing }, NO_HOME))).toBe(
      `kubeconfig ${missing}: clusters[0].cluster.certificate-authority: cannot read ${join(dir, 'certs', 'none.pem')}: ENOENT`,
    );
  });

  it('sends a token, a token file (re-read as it rotates, and winning over token), basic auth and impersonation', async () => {
    const dir = tempDir();
    expect(await headersOf(writeKubeconfig(dir, { user: { token: 'plain' } }, 'a'))).toEqual({ Authorization: 'Bearer plain' });
    writeFileSync(join(dir, 'token'), 'from-file-1\n');
    let now = 0;
    const withFile = writeKubeconfig(dir, { user: { tokenFile: 'token', token: 'plain' } }, 'b');
    const access = loadKubeAccess({ kubeconfig: withFile }, NO_HOME, { now: () => now });
    expect((await access.connection()).headers).toEqual({ Authorization: 'Bearer from-file-1' });
    writeFileSync(join(dir, 'token'), 'from-file-2\n');
    now = 59_000;
    expect((await access.connection()).headers).toEqual({ Authorization: 'Bearer from-file-1' });
    now = 60_000;
    expect((await access.connection()).headers).toEqual({ Authorization: 'Bearer from-file-2' });
    expect(await headersOf(writeKubeconfig(dir, { user: { username: 'me', password: 'pw' } }, 'c'))).toEqual({ Authorization: `Basic ${Buffer.from('me:pw').toString('base64')}` });
    expect(
      await headersOf(writeKubeconfig(dir, { user: { token: 't', as: 'jane', 'as-uid': '42', 'as-groups': ['dev', 'ops'], 'as-user-extra': { 'acme.io/team': ['a b'] } } }, 'd')),
    ).toEqual({
      Authorization: 'Bearer t',
      'Impersonate-User': 'jane',
      'Impersonate-Uid': '42',
      'Impersonate-Group': ['dev', 'ops'],
      'Impersonate-Extra-acme.io%2Fteam': ['a b'],
    });
  });

  it('uses the in-cluster service account when no kubeconfig exists, re-reading its token as it rotates', async () => {
    const prefix = tempDir('sa-');
    const dir = join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'token'), 'sa-token-1\n');
    writeFileSync(join(dir, 'ca.crt'), 'CA');
    let now = 0;
    const env = { HOME: prefix, KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' };
    const access = loadKubeAccess({}, env, { prefix, now: () => now });
    expect(access.server).toBe('https://[fd00::1]:443');
    const first = await access.connection();
    expect(first.headers).toEqual({ Authorization: 'Bearer sa-token-1' });
    expect(String((first.agent as unknown as { options: { ca: Buffer } }).options.ca)).toBe('CA');
    writeFileSync(join(dir, 'token'), 'sa-token-2\n');
    now = 61_000;
    expect((await access.connection()).headers).toEqual({ Authorization: 'Bearer sa-token-2' });
  });

  it('in-cluster too, the API server goes through HTTPS_PROXY unless NO_PROXY names it (client-go)', async () => {
    const prefix = tempDir('sa-proxy-');
    const dir = join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'token'), 'sa-token\n');
    const base = { HOME: prefix, KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', HTTPS_PROXY: 'http://proxy.corp:3128' };
    const agentOf = async (env: Record<string, string>) => (await loadKubeAccess({}, env, { prefix }).connection()).agent.constructor.name;
    expect(await agentOf(base)).toBe('TunnelAgent');
    expect(await agentOf({ ...base, NO_PROXY: '10.96.0.0/12,.svc' })).toBe('Agent');
  });
});
