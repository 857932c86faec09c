// `imps-krm install DIR` (the init-container pattern): the installed copy must run on its own, outside the repo.
import { readdir, readFile } from 'node:fs/promises';
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
    expect((await readdir(tools)).sort()).toEqual(['chunks', 'imps-krm', 'package.json']);
    expect(JSON.parse(await readFile(join(tools, 'package.json'), 'utf8'))).toMatchObject({ type: 'module' });

    const input = await readFile(join(REPO, 'test', 'fixtures', 'fn', 'kpt-package', 'resource-list.yaml'), 'utf8');
    const fn = await run(join(tools, 'imps-krm'), ['fn'], { cwd: '/', env: box.env, stdin: input });
    expect(fn.code).toBe(0);
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
