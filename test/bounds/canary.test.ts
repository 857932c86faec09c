// The canary test of issue 8: every parser's bad input carries a unique string, and no face may print it, on stdout,
// stderr or in KRM results. Parsers: manifest YAML (syntax, aliases, duplicate keys), a ResourceList, the legacy
// plugin's config, `files`, Argo CD parameters (JSON), docker configs (JSON, `auth`), a GAR key (JSON), non-UTF-8
// bytes, kubeconfigs (client-node's js-yaml for render, the yaml library for the controller's loader).
// Faces: render, fn, the legacy kustomize plugin and cmp generate, all as the built CLI (dist/cli.js) in a child process.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadKubeAccess } from '../../src/adapters/kube/kube-access.js';
import { BUILT_CLI } from '../e2e/cli-on-path.js';
import { guardedEnv } from '../guard/child-env.js';
import { b64, imagePullSecret, namespaceObject } from '../support/builders.js';
import { requireBuiltCli, runBuiltCli } from '../support/run-built-cli.js';

requireBuiltCli();

const CANARY = 'CANARY-c4n4ry-9d1e';

const imps = stringify(imagePullSecret('pull', { credentials: ['registry-access/login'], namespaces: ['shop'], secret: 'regcred' }));
const namespace = stringify(namespaceObject('shop'));
const secret = (type: string, body: string): string =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: login\n  namespace: registry-access\n  annotations:\n    imps-krm.io/registry: ghcr.io\ntype: ${type}\n${body}`;

interface Case {
  readonly parser: string;
  /** The bad document (YAML text or bytes), added to a valid app. */
  readonly bad: string | Buffer;
  /** Which faces can carry it; default all four. */
  readonly faces?: ReadonlyArray<Face>;
}
type Face = 'render' | 'fn' | 'kustomize-plugin' | 'cmp';

const CASES: readonly Case[] = [
  { parser: 'YAML: an unquoted value starting with * (an alias to nothing)', bad: secret('kubernetes.io/basic-auth', `stringData:\n  username: bot\n  password: *${CANARY}\n`) },
  { parser: 'YAML: an unterminated quote', bad: secret('kubernetes.io/basic-auth', `stringData:\n  username: bot\n  password: "${CANARY}\n  x: y\n`) },
  { parser: 'YAML: an unclosed flow sequence', bad: secret('kubernetes.io/basic-auth', `stringData:\n  username: [${CANARY}\n`) },
  { parser: 'YAML: a duplicate key', bad: secret('kubernetes.io/basic-auth', `stringData:\n  ${CANARY}: a\n  ${CANARY}: b\n`) },
  { parser: 'YAML: a tab as indentation', bad: secret('kubernetes.io/basic-auth', `stringData:\n\tpassword: ${CANARY}\n`) },
  { parser: 'YAML: an alias to its own collection', bad: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: &${CANARY} [*${CANARY}]\n` },
  { parser: 'bytes: not UTF-8', bad: Buffer.concat([Buffer.from(secret('kubernetes.io/basic-auth', `stringData:\n  username: bot\n  password: ${CANARY}`)), Buffer.from([0xe9, 0x0a])]) },
  { parser: 'docker config JSON (.dockerconfigjson)', bad: secret('kubernetes.io/dockerconfigjson', `stringData:\n  .dockerconfigjson: '{"auths": {"ghcr.io": {"password": ${CANARY}}}'\n`) },
  { parser: 'docker config JSON (.dockercfg)', bad: secret('kubernetes.io/dockercfg', `data:\n  .dockercfg: ${b64(`{${CANARY}`)}\n`) },
  {
    parser: 'docker config auth (not base64 of user:password)',
    bad: secret('kubernetes.io/dockerconfigjson', `stringData:\n  .dockerconfigjson: '${JSON.stringify({ auths: { 'ghcr.io': { auth: b64(CANARY) } } })}'\n`),
  },
  {
    parser: 'docker config auth (not UTF-8)',
    bad: secret('kubernetes.io/dockerconfigjson', `stringData:\n  .dockerconfigjson: '${JSON.stringify({ auths: { 'ghcr.io': { auth: b64(Buffer.concat([Buffer.from(`bot:${CANARY}`), Buffer.from([0xff])])) } } })}'\n`),
  },
  { parser: 'Secret data (base64 of non-UTF-8)', bad: secret('kubernetes.io/basic-auth', `data:\n  username: ${b64('bot')}\n  password: ${b64(Buffer.concat([Buffer.from(CANARY), Buffer.from([0xc3])]))}\n`) },
  { parser: 'GAR service-account key JSON', bad: secret('imps-krm.io/gar-login-config', `stringData:\n  registry: europe-docker.pkg.dev\n  serviceAccountKey: '{"private_key": ${CANARY}'\n`) },
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'imps-krm-canary-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A valid app plus the bad document, laid out as files. */
function appDir(name: string, bad: string | Buffer): string {
  const app = join(dir, name.replace(/\W+/g, '-'));
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'imps.yaml'), `${imps}---\n${namespace}`);
  writeFileSync(join(app, 'bad.yaml'), bad);
  return app;
}

/** The documents as ResourceList items, text kept as written (the bad part stays bad). */
function resourceList(bad: string | Buffer): Buffer {
  const items = [imps, namespace].map((doc) => indentItem(doc));
  const head = Buffer.from(
    `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: fn}, data: {cluster: input}}\nitems:\n${items.join('')}`,
  );
  const badText = Buffer.isBuffer(bad) ? bad : Buffer.from(bad);
  const lines = badText.toString('latin1').split('\n');
  const indented = lines.map((line, i) => (i === 0 ? `- ${line}` : line === '' ? '' : `  ${line}`)).join('\n');
  return Buffer.concat([head, Buffer.from(indented, 'latin1'), Buffer.from('\n')]);
}
const indentItem = (doc: string): string => `${doc.trimEnd().split('\n').map((line, i) => (i === 0 ? `- ${line}` : `  ${line}`)).join('\n')}\n`;

/**
 * What a face printed that may not hold input: everything, except that fn passes the items through on stdout by
 * contract (the canary in an item is data, as in the input); its `results` and stderr are checked.
 */
async function runFace(face: Face, app: string, bad: string | Buffer): Promise<{ code: number; out: string }> {
  if (face === 'cmp') {
    return new Promise((done) => {
      execFile(
        process.execPath,
        [BUILT_CLI, 'cmp', 'generate'],
        { cwd: app, env: guardedEnv({ PATH: process.env['PATH'], HOME: dir, ARGOCD_ENV_CLUSTER: 'input' }), timeout: 20_000 },
        (error, stdout, stderr) => done({ code: error ? Number(error.code ?? -1) : 0, out: stdout + stderr }),
      );
    });
  }
  const args = face === 'render' ? ['render', '-f', '.', '--cluster', 'input'] : face === 'fn' ? ['fn'] : ['kustomize-plugin', join(app, 'imps.yaml')];
  const stdin = face === 'fn' ? resourceList(bad) : face === 'kustomize-plugin' ? (Buffer.isBuffer(bad) ? bad : Buffer.from(bad)) : undefined;
  if (face === 'kustomize-plugin') writeFileSync(join(app, 'imps.yaml'), imps.replace('name: pull\n', 'name: pull\n  annotations:\n    imps-krm.io/cluster: input\n'));
  const run = await runBuiltCli(args, { cwd: app, env: { KUSTOMIZE_PLUGIN_CONFIG_ROOT: app }, ...(stdin ? { stdin } : {}) });
  if (face !== 'fn' || run.stdout === '') return { code: run.code, out: run.stdout + run.stderr };
  const { parse } = await import('yaml');
  const list = parse(run.stdout, { uniqueKeys: false }) as { results?: unknown };
  return { code: run.code, out: JSON.stringify(list.results ?? []) + run.stderr };
}

const FACES: readonly Face[] = ['render', 'fn', 'kustomize-plugin', 'cmp'];

describe('no face prints a parser’s input', () => {
  for (const { parser, bad, faces = FACES } of CASES) {
    for (const face of faces) {
      it(`${parser} × ${face}`, async () => {
        const app = appDir(`${parser}-${face}`, bad);
        const { code, out } = await runFace(face, app, bad);
        expect(out).not.toContain(CANARY);
        expect([1, 2]).toContain(code); // refused, never an internal error (3), never accepted
        // ...and refused for the bad document, not for something else.
        expect(out).toMatch(/bad\.yaml|<stdin>|source registry-access\.login/);
      });
    }
  }

  it('Argo CD parameters that are not JSON × cmp', async () => {
    const app = appDir('parameters', namespace);
    const result = await new Promise<{ code: number; out: string }>((done) => {
      execFile(
        process.execPath,
        [BUILT_CLI, 'cmp', 'generate'],
        { cwd: app, env: guardedEnv({ PATH: process.env['PATH'], HOME: dir, ARGOCD_APP_PARAMETERS: `[{"name": "files", "array": [${CANARY}]` }), timeout: 20_000 },
        (error, stdout, stderr) => done({ code: error ? Number(error.code ?? -1) : 0, out: stdout + stderr }),
      );
    });
    expect(result.out).toBe('error: ARGOCD_APP_PARAMETERS: is not JSON\n');
    expect(result.code).toBe(1);
  });

  it('a files entry holding bad YAML × fn (the extra manifests have their own parser call)', async () => {
    const app = appDir('files-entry', imps);
    writeFileSync(join(app, 'extra.yaml'), `a: *${CANARY}\n`);
    const list = stringify({
      apiVersion: 'config.kubernetes.io/v1',
      kind: 'ResourceList',
      functionConfig: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fn' }, data: { cluster: 'input', files: 'extra.yaml' } },
      items: [],
    });
    const run = await runBuiltCli(['fn'], { cwd: app, stdin: `${list.trimEnd()}\n- ${imps.trimEnd().split('\n').join('\n  ')}\n`.replace('items: []', 'items:') });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('error: extra.yaml: invalid YAML at line 1, column 4: an alias names no anchor defined before it (quote values that start with *)\n');
    expect(run.stdout).not.toContain(CANARY);
  });

  it('a kubeconfig whose token line is broken × render --cluster live', async () => {
    const app = appDir('kubeconfig', imps);
    const kubeconfig = join(app, 'kubeconfig');
    writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: ${CANARY}: x\n`);
    const run = await runBuiltCli(['render', '-f', 'imps.yaml', '--cluster', 'live', '--kubeconfig', kubeconfig], { cwd: app });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: cannot use the cluster: kubeconfig ${kubeconfig}: invalid YAML at line 6, column 12: a block collection is used as a key (BLOCK_AS_IMPLICIT_KEY)\n`);
  });

  it('a kubeconfig whose token line is broken × the controller’s loader (the yaml library)', () => {
    const app = appDir('kubeconfig-access', imps);
    const kubeconfig = join(app, 'kubeconfig');
    writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: "${CANARY}\n`);
    let message = '';
    try {
      loadKubeAccess({ kubeconfig }, {});
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    expect(message).toMatch(new RegExp(`^kubeconfig ${kubeconfig}: invalid YAML at line \\d+, column \\d+: .+ \\(MISSING_CHAR\\)$`));
    expect(message).not.toContain(CANARY);
  });
});
