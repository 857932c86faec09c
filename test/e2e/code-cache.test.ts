// The launcher of the built CLI (dist/cli.js) and its V8 code cache, end to end: what it reads, what it writes, what
// it refuses, and that a refusal or a bad cache never changes the output or the exit code.
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { guardedEnv } from '../guard/child-env.js';
import { BUILT_CLI, REPO, run } from './cli-on-path.js';

const input = await readFile(join(REPO, 'test', 'fixtures', 'fn', 'kpt-package', 'resource-list.yaml'), 'utf8');
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imps-krm-launcher-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Runs `fn` with IMPS_KRM_CODE_CACHE=trace and splits the launcher's line off stderr. */
async function fn(env: NodeJS.ProcessEnv, cwd = dir) {
  const ran = await run(process.execPath, [BUILT_CLI, 'fn'], { cwd, env: guardedEnv({ ...process.env, XDG_CACHE_HOME: undefined, IMPS_KRM_CODE_CACHE: 'trace', ...env }), stdin: input });
  const line = /^imps-krm: code cache (\S+): (.*)$/m.exec(ran.stderr);
  return { ...ran, name: line?.[1], cache: line?.[2], otherStderr: ran.stderr.replace(/^imps-krm: code cache .*\n/m, '') };
}

describe('the launcher and its code cache (built CLI)', () => {
  it('writes the cache after the first run into a private directory and starts from it next time, same output', async () => {
    const xdg = join(dir, 'xdg');
    const cold = await fn({ XDG_CACHE_HOME: xdg });
    expect(cold).toMatchObject({ code: 0, otherStderr: '', cache: `read none; written to ${join(xdg, 'imps-krm')}` });
    expect((await stat(join(xdg, 'imps-krm'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(xdg, 'imps-krm', cold.name!))).mode & 0o777).toBe(0o600);
    const warm = await fn({ XDG_CACHE_HOME: xdg });
    expect(warm).toMatchObject({ code: 0, otherStderr: '', cache: `read ${join(xdg, 'imps-krm')}; up to date`, stdout: cold.stdout });
  });

  it('replaces a cache V8 rejects (here: garbage) and still renders the same', async () => {
    const xdg = join(dir, 'xdg');
    const reference = await fn({ XDG_CACHE_HOME: xdg });
    await writeFile(join(xdg, 'imps-krm', reference.name!), 'not bytecode', { mode: 0o600 });
    const rejected = await fn({ XDG_CACHE_HOME: xdg });
    expect(rejected).toMatchObject({ code: 0, otherStderr: '', stdout: reference.stdout, cache: `read ${join(xdg, 'imps-krm')} (rejected by V8); written to ${join(xdg, 'imps-krm')}` });
    expect((await fn({ XDG_CACHE_HOME: xdg })).cache).toBe(`read ${join(xdg, 'imps-krm')}; up to date`);
  });

  it('neither reads nor writes a cache directory others can write', async () => {
    const xdg = join(dir, 'xdg');
    const reference = await fn({ XDG_CACHE_HOME: xdg });
    await chmod(join(xdg, 'imps-krm'), 0o777);
    await writeFile(join(xdg, 'imps-krm', reference.name!), 'planted', { mode: 0o600 });
    const ran = await fn({ XDG_CACHE_HOME: xdg });
    expect(ran).toMatchObject({ code: 0, otherStderr: '', stdout: reference.stdout, cache: `read none; not written (${join(xdg, 'imps-krm')} is not a usable private directory)` });
    expect(await readFile(join(xdg, 'imps-krm', reference.name!), 'utf8')).toBe('planted');
  });

  it('never takes a cache from the working directory (the input repository): a relative XDG_CACHE_HOME or HOME is ignored', async () => {
    const reference = await fn({ XDG_CACHE_HOME: join(dir, 'xdg') });
    const repo = join(dir, 'repo');
    await mkdir(join(repo, '.cache', 'imps-krm'), { recursive: true, mode: 0o700 });
    await writeFile(join(repo, '.cache', 'imps-krm', reference.name!), 'planted by the repository', { mode: 0o600 });
    const ran = await fn({ XDG_CACHE_HOME: '.cache', HOME: '.' }, repo);
    expect(ran).toMatchObject({ code: 0, otherStderr: '', stdout: reference.stdout, cache: 'read no absolute XDG_CACHE_HOME or HOME; not written' });
    expect(await readdir(join(repo, '.cache', 'imps-krm'))).toEqual([reference.name]);
  });

  it('falls back silently when no cache directory can be made (nothing on stderr unless traced)', async () => {
    const env = guardedEnv({ ...process.env, XDG_CACHE_HOME: '/proc/imps-krm-no-such-dir', IMPS_KRM_CODE_CACHE: undefined, IMPS_KRM_DEBUG: '1' });
    const ran = await run(process.execPath, [BUILT_CLI, 'fn'], { cwd: dir, env, stdin: input });
    expect(ran).toMatchObject({ code: 0, stderr: '' });
    expect(ran.stdout).toContain('kind: Secret');
  });

  it('IMPS_KRM_CODE_CACHE=off reads and writes nothing', async () => {
    const xdg = join(dir, 'xdg');
    const ran = await fn({ XDG_CACHE_HOME: xdg, IMPS_KRM_CODE_CACHE: 'off' });
    expect(ran).toMatchObject({ code: 0, stderr: '' });
    await expect(stat(xdg)).rejects.toThrow(/ENOENT/);
  });

  it('a failing run writes no cache (the next run must not start from an error path)', async () => {
    const xdg = join(dir, 'xdg');
    const ran = await run(process.execPath, [BUILT_CLI, 'render', '-f', join(dir, 'missing.yaml'), '--cluster', 'input'], {
      cwd: dir,
      env: guardedEnv({ ...process.env, XDG_CACHE_HOME: xdg, IMPS_KRM_CODE_CACHE: 'trace' }),
    });
    expect(ran.code).not.toBe(0);
    expect(ran.stderr).toMatch(/code cache \S+-render\.v8cache: read none; not written \(exit code \d\)/);
    await expect(stat(xdg)).rejects.toThrow(/ENOENT/);
  });
});
