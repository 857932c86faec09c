// `imps-krm install DIR` (the init-container pattern): the installed copy must run on its own, outside the repo.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BUILT_CLI, REPO, run, sandbox, type Sandbox } from './cli-on-path.js';

let box: Sandbox;
beforeAll(async () => {
  box = await sandbox();
});
afterAll(async () => {
  await box.cleanup();
});

describe('imps-krm install DIR', () => {
  it('copies a runnable build that works as a KRM function and as render, from anywhere, twice in a row', async () => {
    const tools = join(box.dir, 'custom-tools');
    for (let round = 0; round < 2; round++) {
      const installed = await run(process.execPath, [BUILT_CLI, 'install', tools], { cwd: box.dir, env: box.env });
      expect(installed).toMatchObject({ code: 0, stdout: '' });
      expect(installed.stderr).toContain(join(tools, 'imps-krm'));
    }
    expect((await readdir(tools)).filter((name) => !name.endsWith('.LEGAL.txt')).sort()).toEqual(['chunks', 'code-cache', 'imps-krm', 'imps-krm.cjs', 'package.json']);
    // The launcher is an extensionless CommonJS file; the chunks are .mjs.
    expect(JSON.parse(await readFile(join(tools, 'package.json'), 'utf8'))).toMatchObject({ type: 'commonjs' });
    // Prewarmed: one cache per short-lived face, readable by the image's user, writable by nobody else.
    const caches = (await readdir(join(tools, 'code-cache'))).sort();
    expect(caches.map((name) => /-([a-z-]+)\.v8cache$/.exec(name)?.[1])).toEqual(['cmp', 'fn', 'kustomize-plugin', 'render']);
    expect((await stat(join(tools, 'code-cache'))).mode & 0o777).toBe(0o755);
    for (const name of caches) expect((await stat(join(tools, 'code-cache', name))).mode & 0o777).toBe(0o644);

    const input = await readFile(join(REPO, 'test', 'fixtures', 'fn', 'kpt-package', 'resource-list.yaml'), 'utf8');
    const fn = await run(join(tools, 'imps-krm'), ['fn'], { cwd: '/', env: { ...box.env, IMPS_KRM_CODE_CACHE: 'trace' }, stdin: input });
    expect(fn.code).toBe(0);
    // The copy starts from its prewarmed cache, and writes nothing anywhere.
    expect(fn.stderr).toMatch(new RegExp(`^imps-krm: code cache \\S+-fn\\.v8cache: read ${join(tools, 'code-cache')}; up to date\n$`));
    const list = parse(fn.stdout) as { items: Array<{ kind: string }> };
    expect(list.items.filter((item) => item.kind === 'Secret').length).toBe(3);

    const render = await run(join(tools, 'imps-krm'), ['render', '-f', join(REPO, 'examples', 'basic'), '--cluster', 'input'], { cwd: '/', env: box.env });
    expect(render.code).toBe(0);
    expect(render.stdout).toContain('kind: Secret');
  });

  it('needs exactly one directory (usage: exit 2, nothing on stdout)', async () => {
    const usage = await run(process.execPath, [BUILT_CLI, 'install'], { cwd: box.dir, env: box.env });
    expect(usage.code).toBe(2);
    expect(usage.stdout).toBe('');
  });
});
