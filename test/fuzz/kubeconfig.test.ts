// Fuzzing kubeconfig files. A kubeconfig is the operator's (docs/security.md), but a broken one must still fail with
// one line naming the file and field: never an internal error, never its token, password or key on stderr. Two entry
// points: the loader every face and the controller share (loadKubeAccess, then the connection it builds: TLS material
// is parsed there), and render --cluster live --kubeconfig FILE in-process (the API server is a closed loopback port,
// so every run that gets that far fails to connect). No generated kubeconfig has an `exec` plugin: those run programs.
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeAccess } from '../../src/adapters/kube/kube-access.js';
import { KubeconfigError } from '../../src/adapters/kube/kubeconfig-files.js';
import { FuzzStats, fuzz, testTimeout } from './fuzz-run.js';
import { applyEdits, edits } from './mutate.js';
import { fuzzInProcess } from './run-face.js';
import { CANARY_MARK, mutated, onceIn } from './schema-arbitrary.js';
import { VALID_APP } from './valid-app.js';
import { plantCanaries } from './yaml-text.js';

const RUNS = 300;
let closedPort = 0;
let scratch: string;
beforeAll(async () => {
  // A port that was just free: connections to it are refused at once.
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closedPort = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  scratch = mkdtempSync(join(tmpdir(), 'imps-krm-fuzz-kubeconfig-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const secret = fc.string({ maxLength: 12 }).map((text) => `${text}${CANARY_MARK}`);
const pem = (label: string): fc.Arbitrary<string> =>
  fc.oneof(
    secret.map((text) => Buffer.from(`-----BEGIN ${label}-----\n${Buffer.from(text).toString('base64')}\n-----END ${label}-----\n`).toString('base64')),
    secret.map((text) => Buffer.from(text).toString('base64')),
    fc.constantFrom('', 'not base64!', '====', 'QQ'),
  );
const names = fc.constantFrom('c', 'u', 'ctx', '', 'other');
const paths = fc.constantFrom('token', 'missing', '/etc/hostname', '/proc/self/environ', '.', '/dev/null', 'sub/../token');

const cluster = fc.record(
  {
    server: fc.oneof(fc.constantFrom('https://127.0.0.1:{port}', 'http://127.0.0.1:{port}', 'https://[::1]:{port}', 'ftp://127.0.0.1', '127.0.0.1:{port}', '', 'https://'), fc.string({ maxLength: 12 })),
    'certificate-authority-data': pem('CERTIFICATE'),
    'certificate-authority': paths,
    'insecure-skip-tls-verify': fc.oneof(fc.boolean(), fc.constantFrom('true', 1)),
    'tls-server-name': fc.constantFrom('kubernetes', '', 'a\nb'),
    'proxy-url': fc.constantFrom('http://127.0.0.1:{port}', 'socks5://127.0.0.1:1', 'https://', 'not a url'),
  },
  { requiredKeys: ['server'] },
);
const user = fc.record(
  {
    token: secret,
    tokenFile: paths,
    username: fc.constantFrom('admin', '', 'a:b'),
    password: secret,
    'client-certificate-data': pem('CERTIFICATE'),
    'client-key-data': pem('PRIVATE KEY'),
    'client-certificate': paths,
    'client-key': paths,
    as: fc.constantFrom('someone', 'a\r\nX-Injected: 1', ''),
    'as-groups': fc.array(fc.constantFrom('g', '\n'), { maxLength: 2 }),
    'as-uid': fc.constantFrom('1', '\u0000'),
    'as-user-extra': fc.dictionary(fc.constantFrom('scopes', 'a b', 'é', ''), fc.array(fc.constantFrom('x', '\r\n'), { maxLength: 2 }), { maxKeys: 2 }),
    'auth-provider': fc.constant({ name: 'oidc' }),
  },
  { requiredKeys: [] },
);
const kubeconfig = fc
  .record({
    clusters: fc.array(fc.record({ name: names, cluster }), { maxLength: 2 }),
    users: fc.array(fc.record({ name: names, user }), { maxLength: 2 }),
    contexts: fc.array(fc.record({ name: names, context: fc.record({ cluster: names, user: names, namespace: fc.constantFrom('default', '') }, { requiredKeys: [] }) }), { maxLength: 2 }),
    'current-context': names,
  })
  .map((config) => ({ apiVersion: 'v1', kind: 'Config', ...config }));

/** One cluster, one user with one way to authenticate, one context that names both: what a kubeconfig usually is. */
const tidyKubeconfig = fc
  .record({
    server: fc.constantFrom('https://127.0.0.1:{port}', 'http://127.0.0.1:{port}', 'https://[::1]:{port}'),
    ca: fc.option(pem('CERTIFICATE'), { nil: undefined }),
    insecure: fc.boolean(),
    auth: fc.oneof(
      secret.map((token) => ({ token })),
      fc.constant({ tokenFile: 'token' }),
      secret.map((password) => ({ username: 'admin', password })),
      fc.tuple(pem('CERTIFICATE'), pem('PRIVATE KEY')).map(([cert, key]) => ({ 'client-certificate-data': cert, 'client-key-data': key })),
      fc.constant({}),
    ),
    as: fc.option(fc.constantFrom('someone', 'a\r\nX-Injected: 1'), { nil: undefined }),
  })
  .map(({ server, ca, insecure, auth, as }) => ({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server, ...(ca && !insecure ? { 'certificate-authority-data': ca } : {}), ...(insecure ? { 'insecure-skip-tls-verify': true } : {}) } }],
    users: [{ name: 'u', user: { ...auth, ...(as === undefined ? {} : { as }) } }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
  }));

/** As YAML, mutated as a value or as text; never with an `exec` plugin (which runs a program). */
const kubeconfigText = fc.tuple(fc.oneof(mutated(tidyKubeconfig, 2), mutated(kubeconfig)), onceIn(4, edits)).map(([value, textEdits]) => {
  const text = stringify(value, { lineWidth: 0 });
  const edited = textEdits ? applyEdits(Buffer.from(text), textEdits).toString('latin1') : text;
  return edited.replace(/exec/gi, 'exe_');
});

/** Numbered canaries, the port, a token file beside the kubeconfig, and every planted secret in its encoded forms. */
function materialize(text: string): { text: string; secrets: string[]; tokenFile: string } {
  const planted = plantCanaries(text.replaceAll('{port}', String(closedPort)));
  const secrets = [...planted.secrets];
  // A canary inside base64 (keys, certificates) decodes to itself: look for the decoded form too.
  return { text: planted.text, secrets, tokenFile: `token-${planted.secrets[0] ?? 'none'}` };
}

describe('fuzz: kubeconfig files', () => {
  it('the loader (loadKubeAccess and the connection it builds) throws only its own one-line error', async () => {
    const stats = new FuzzStats('kubeconfig/loader');
    await fuzz(
      stats,
      kubeconfigText,
      async (raw) => {
        const { text, secrets } = materialize(raw);
        const dir = mkdtempSync(join(scratch, 'k-'));
        const file = join(dir, 'config');
        writeFileSync(file, text, 'latin1');
        writeFileSync(join(dir, 'token'), 'CANARY-fz-token-file\n');
        const started = performance.now();
        let outcome = 'ok';
        try {
          const access = loadKubeAccess({ kubeconfig: file }, { HOME: dir });
          const connection = await access.connection();
          connection.agent.destroy();
        } catch (error) {
          outcome = error instanceof KubeconfigError ? 'refused' : 'crash';
          const message = error instanceof Error ? error.message : String(error);
          expect(error, `not a KubeconfigError: ${message}`).toBeInstanceOf(KubeconfigError);
          // One line on stderr is the faces' promise (reportProblems escapes what is left): checked by the render below.
          for (const s of [...secrets, 'CANARY-fz-token-file']) expect(message.includes(s), `${s} in ${message}`).toBe(false);
        } finally {
          rmSync(dir, { recursive: true, force: true });
          stats.record(outcome, performance.now() - started);
        }
      },
      RUNS,
      2,
    );
  }, testTimeout(RUNS, 100, 2));

  it('render --cluster live --kubeconfig FILE', async () => {
    const stats = new FuzzStats('kubeconfig/render-live');
    await fuzz(
      stats,
      kubeconfigText,
      async (raw) => {
        const { text, secrets } = materialize(raw);
        await fuzzInProcess(
          {
            args: ['render', '-f', 'imps.yaml', '--cluster', 'live', '--kubeconfig', 'config'],
            files: { 'imps.yaml': VALID_APP, config: Buffer.from(text, 'latin1'), token: 'CANARY-fz-token-file\n' },
            secrets: [...secrets, 'CANARY-fz-token-file'],
          },
          stats,
        );
      },
      RUNS / 3,
    );
  }, testTimeout(RUNS / 3, 500));
});
