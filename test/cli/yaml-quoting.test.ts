// Every YAML writer of the BUILT CLI (render, cmp generate, fn, the legacy plugin) prints output that a YAML 1.1
// reader (PyYAML, Ansible, yamllint) reads as the same data as a YAML 1.2 reader: names such as `2026-11-29` (a
// valid Secret name) or `yes` (a valid namespace) are quoted, in new objects and in edited input items alike.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { BUILT_CLI, run } from '../e2e/cli-on-path.js';
import { guardedEnv } from '../guard/child-env.js';

// Plain `yes` and `off` are strings to a YAML 1.2 reader (this input is read as 1.2), booleans to a 1.1 reader.
const NAMESPACES = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: yes\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: registry-access\n';
const SERVICE_ACCOUNT = 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\n  namespace: yes\n  annotations:\n    team-on-call: off\n';
const SOURCE = `apiVersion: v1
kind: Secret
metadata:
  name: login
  namespace: registry-access
type: kubernetes.io/dockerconfigjson
stringData:
  .dockerconfigjson: '{"auths":{"ghcr.io":{"username":"bot","password":"example"}}}'
`;
const imps = (annotations: string): string => `apiVersion: images.banzaicloud.io/v1alpha1
kind: ImagePullSecret
metadata:
  name: pull
  annotations:
${annotations}
spec:
  registry:
    credentials:
    - name: login
      namespace: registry-access
  target:
    namespaces:
      names: [yes]
    secret:
      name: 2026-11-29
`;

let dir: string;
let env: NodeJS.ProcessEnv;
const cli = (args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string } = {}) =>
  run(process.execPath, [BUILT_CLI, ...args], { cwd: options.cwd ?? dir, env: { ...env, ...options.env }, stdin: options.stdin });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imps-krm-quoting-'));
  await mkdir(join(dir, 'app'));
  await writeFile(join(dir, 'app', 'namespaces.yaml'), NAMESPACES);
  await writeFile(join(dir, 'app', 'service-account.yaml'), SERVICE_ACCOUNT);
  await writeFile(join(dir, 'app', 'source.yaml'), SOURCE);
  await writeFile(join(dir, 'app', 'imps.yaml'), imps('    note: plain'));
  env = guardedEnv({ ...process.env, KUBECONFIG: join(dir, 'no-kubeconfig') });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The output read as YAML 1.1 equals the output read as YAML 1.2, and holds the rendered Secret by its real name. */
function expectSameIn11And12(text: string): Array<Record<string, unknown>> {
  const as12 = parseAllDocuments(text).map((doc) => doc.toJS() as Record<string, unknown>);
  const as11 = parseAllDocuments(text, { version: '1.1' }).map((doc) => doc.toJS() as Record<string, unknown>);
  expect(as11).toEqual(as12);
  expect(JSON.stringify(as12)).toContain('"name":"2026-11-29","namespace":"yes"');
  return as12;
}

describe('YAML output reads the same in YAML 1.1 (dist/cli.js)', () => {
  it('render', async () => {
    const ran = await cli(['render', '-f', 'app', '--cluster', 'input', '-q']);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('  name: "2026-11-29"\n  namespace: "yes"\n');
    expectSameIn11And12(ran.stdout);
  });

  it('cmp generate: the app manifests and the Secret', async () => {
    const ran = await cli(['cmp', 'generate'], { cwd: join(dir, 'app'), env: { ARGOCD_ENV_CLUSTER: 'input' } });
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const objects = expectSameIn11And12(ran.stdout);
    expect(objects.find((object) => object['kind'] === 'ServiceAccount')).toMatchObject({ metadata: { namespace: 'yes', annotations: { 'team-on-call': 'off' } } });
  });

  it('fn: untouched items byte for byte, the edited ServiceAccount and the new Secret quoted', async () => {
    const items = [NAMESPACES, SERVICE_ACCOUNT, SOURCE].flatMap((text) => text.split('---\n'));
    const list = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${items.map((item) => `- ${item.trimEnd().replace(/\n/g, '\n  ')}\n`).join('')}functionConfig:\n  ${imps('    imps-krm.io/cluster: input\n    imps-krm.io/patchServiceAccounts: "true"').trimEnd().replace(/\n/g, '\n  ')}\n`;
    const ran = await cli(['fn'], { stdin: list });
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout.startsWith(list.slice(0, list.indexOf('- apiVersion: v1\n  kind: ServiceAccount')))).toBe(true); // the Namespaces, as they came
    expect(ran.stdout).toContain('    namespace: "yes"\n    annotations:\n      team-on-call: "off"\n');
    // What we print (the edited ServiceAccount, the new Secret, the results) reads the same in 1.1; what passes
    // through untouched stays the input's text, 1.1 look-alikes included (`name: yes` of the Namespace).
    const read = (version: '1.1' | '1.2') => parseAllDocuments(ran.stdout, { version })[0]!.toJS() as { items: unknown[]; results: unknown[] };
    const [as11, as12] = [read('1.1'), read('1.2')];
    expect(as12.items.length).toBe(5);
    expect([as11.items[2], as11.items[4], as11.results]).toEqual([as12.items[2], as12.items[4], as12.results]);
    expect(JSON.stringify(as11.items[4])).toContain('"name":"2026-11-29","namespace":"yes"');
  });

  it('the legacy kustomize plugin (transformer): every object re-printed, quoted', async () => {
    const config = join(dir, 'plugin-config.yaml');
    await writeFile(config, imps('    imps-krm.io/cluster: input\n    imps-krm.io/patchServiceAccounts: "true"'));
    const ran = await cli(['kustomize-plugin', config], { stdin: [NAMESPACES, SERVICE_ACCOUNT, SOURCE].join('---\n') });
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('  name: "yes"\n');
    expectSameIn11And12(ran.stdout);
  });
});
