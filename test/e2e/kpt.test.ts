// The built CLI through real kpt: `kpt fn eval --exec` (imperative, ConfigMap settings from `-- k=v`) and
// `kpt fn render --allow-exec` (the Kptfile pipeline of kustomize-plugin/kpt-package), which writes files back.
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { REPO, run, sandbox, type Sandbox } from './cli-on-path.js';

const PACKAGE = join(REPO, 'kustomize-plugin', 'kpt-package');
let box: Sandbox;
beforeAll(async () => {
  box = await sandbox();
});
afterAll(async () => {
  await box.cleanup();
});

async function copyPackage(name: string): Promise<string> {
  const dir = join(box.dir, name);
  await cp(PACKAGE, dir, { recursive: true });
  return dir;
}

async function files(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out[relative(dir, join(entry.parentPath, entry.name))] = await readFile(join(entry.parentPath, entry.name), 'utf8');
  }
  return out;
}

describe('kpt fn eval --exec imps-krm', () => {
  it('adds the Secret for the labelled namespace; settings from -- key=value', async () => {
    const result = await run('kpt', ['fn', 'eval', PACKAGE, '--exec', 'imps-krm', '-o', 'unwrap', '--', 'cluster=input'], { cwd: box.dir, env: box.env });
    expect(result.code).toBe(0);
    const secrets = parseAllDocuments(result.stdout)
      .map((document) => document.toJS() as { kind: string; metadata: { name: string; namespace?: string } })
      .filter((object) => object.kind === 'Secret' && object.metadata.name === 'regcred');
    expect(secrets.map((secret) => secret.metadata.namespace)).toEqual(['shop']);
  });

  it('a bad setting fails the function (exit 1), and kpt shows the result', async () => {
    const result = await run('kpt', ['fn', 'eval', PACKAGE, '--exec', 'imps-krm', '-o', 'unwrap', '--', 'cluster=sometimes'], { cwd: box.dir, env: box.env });
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('data.cluster: must be one of auto, live, input');
  });
});

describe('kpt fn render --allow-exec (Kptfile pipeline)', () => {
  it('writes shop/secret_regcred.yaml; a second render changes nothing (no duplicated comments, files kept)', async () => {
    const dir = await copyPackage('render-twice');
    const first = await run('kpt', ['fn', 'render', '--allow-exec'], { cwd: dir, env: box.env });
    expect(first.code).toBe(0);
    const after = await files(dir);
    const before = await files(PACKAGE);
    expect(Object.keys(after).sort()).toEqual([...Object.keys(before), 'shop/secret_regcred.yaml'].sort());
    for (const [path, text] of Object.entries(before)) expect(after[path], path).toBe(text);
    expect(after['shop/secret_regcred.yaml']).toContain('type: kubernetes.io/dockerconfigjson');

    const second = await run('kpt', ['fn', 'render', '--allow-exec'], { cwd: dir, env: box.env });
    expect(second.code).toBe(0);
    expect(await files(dir)).toEqual(after);
  });

  it('a failing render fails kpt with the message, and leaves the package untouched', async () => {
    const dir = await copyPackage('render-broken');
    const spec = join(dir, 'pull-secret.yaml');
    await writeFile(spec, (await readFile(spec, 'utf8')).replace('- name: registry-login', '- name: missing-login'));
    const before = await files(dir);
    const result = await run('kpt', ['fn', 'render', '--allow-exec'], { cwd: dir, env: box.env });
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('Secret registry-access/missing-login not found');
    expect(await files(dir)).toEqual(before);
  });
});
