import { chmodSync, linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cacheFileName,
  commandWord,
  flagsOf,
  isTrustedDir,
  openCodeCache,
  privateCacheDir,
  readTrustedFile,
  saveCodeCache,
  type CacheContext,
  type CacheKey,
} from './code-cache.js';

const uid = process.getuid!();
const otherUid = uid + 4242;
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'imps-krm-code-cache-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const key: CacheKey = { bundle: { sha256: 'ab'.repeat(32), length: 1000 }, nodeVersion: 'v26.12.1', arch: 'x64', flags: flagsOf([], {}), command: 'fn' };
const context = (env: NodeJS.ProcessEnv, overrides: Partial<CacheContext> = {}): CacheContext => ({
  installDir: join(root, 'install'),
  key,
  sourceLength: 1000,
  env,
  uid,
  ...overrides,
});
const file = (path: string, text = 'bytecode', mode = 0o600): string => {
  writeFileSync(path, text, { mode });
  chmodSync(path, mode);
  return path;
};
const dir = (path: string, mode: number): string => {
  mkdirSync(path, { recursive: true });
  chmodSync(path, mode);
  return path;
};

describe('cache key and location', () => {
  it('keys files by bundle, Node version, arch, flags and command; flags from execArgv and NODE_OPTIONS', () => {
    const name = cacheFileName(key);
    expect(name).toMatch(/^abababababababababab-v26\.12\.1-x64-[0-9a-f]{8}-fn\.v8cache$/);
    expect(cacheFileName({ ...key, flags: flagsOf(['--max-old-space-size=100'], {}) })).not.toBe(name);
    expect(cacheFileName({ ...key, flags: flagsOf([], { NODE_OPTIONS: '--stack-size=900' }) })).not.toBe(name);
    expect(cacheFileName({ ...key, nodeVersion: 'v22.23.5' })).not.toBe(name);
    expect(cacheFileName({ ...key, bundle: { sha256: 'cd'.repeat(32), length: 1000 } })).not.toBe(name);
  });

  it('names the command as the CLI picks it', () => {
    expect(commandWord(['node', '/x/imps-krm'])).toBe('fn');
    expect(commandWord(['node', '/x/imps-krm', 'render', '-f', '.'])).toBe('render');
    expect(commandWord(['node', '/x/imps-krm', '--version'])).toBe('other');
    expect(commandWord(['node', '/x/imps-krm', '../../etc/passwd'])).toBe('other');
    expect(commandWord(['node', '/plugins/ImagePullSecret', '/tmp/kust-config-123'])).toBe('kustomize-plugin');
  });

  it('uses $XDG_CACHE_HOME, else $HOME/.cache, and never a relative path (it would resolve inside the input repository)', () => {
    expect(privateCacheDir({ XDG_CACHE_HOME: '/c', HOME: '/h' })).toBe('/c/imps-krm');
    expect(privateCacheDir({ XDG_CACHE_HOME: 'repo/.cache', HOME: '/h' })).toBe('/h/.cache/imps-krm');
    expect(privateCacheDir({ XDG_CACHE_HOME: '', HOME: '/h' })).toBe('/h/.cache/imps-krm');
    expect(privateCacheDir({ XDG_CACHE_HOME: '.', HOME: '.' })).toBeUndefined();
    expect(privateCacheDir({})).toBeUndefined();
  });
});

describe('trust checks', () => {
  it('reads a regular file of an allowed owner that nobody else can write', () => {
    expect(readTrustedFile(file(join(root, 'ok')), [uid])?.toString()).toBe('bytecode');
    expect(readTrustedFile(file(join(root, 'readable'), 'bytecode', 0o644), [uid])?.toString()).toBe('bytecode');
  });

  it('refuses another owner, group or other write access, a symlink, a hard link, a directory, a missing file', () => {
    const ok = file(join(root, 'ok'));
    expect(readTrustedFile(ok, [otherUid])).toBeUndefined();
    expect(readTrustedFile(file(join(root, 'group-writable'), 'x', 0o620), [uid])).toBeUndefined();
    expect(readTrustedFile(file(join(root, 'world-writable'), 'x', 0o602), [uid])).toBeUndefined();
    symlinkSync(ok, join(root, 'link'));
    expect(readTrustedFile(join(root, 'link'), [uid])).toBeUndefined();
    const linked = file(join(root, 'linked'));
    linkSync(linked, join(root, 'second-name'));
    expect(readTrustedFile(linked, [uid])).toBeUndefined();
    expect(readTrustedFile(root, [uid])).toBeUndefined();
    expect(readTrustedFile(join(root, 'missing'), [uid])).toBeUndefined();
  });

  it('trusts a directory only when it is a real directory of an allowed owner without the forbidden mode bits', () => {
    const own = dir(join(root, 'own'), 0o700);
    expect(isTrustedDir(own, [uid], 0o077)).toBe(true);
    expect(isTrustedDir(own, [otherUid], 0o077)).toBe(false);
    expect(isTrustedDir(dir(join(root, 'shared'), 0o755), [uid], 0o077)).toBe(false);
    expect(isTrustedDir(join(root, 'shared'), [uid], 0o022)).toBe(true);
    symlinkSync(own, join(root, 'own-link'));
    expect(isTrustedDir(join(root, 'own-link'), [uid], 0o077)).toBe(false);
    expect(isTrustedDir(join(root, 'missing'), [uid], 0o077)).toBe(false);
  });
});

describe('openCodeCache and saveCodeCache', () => {
  const name = cacheFileName(key);

  it('prefers the prewarmed cache next to the bundle, and never writes when it was used', () => {
    dir(join(root, 'install', 'code-cache'), 0o755);
    file(join(root, 'install', 'code-cache', name), 'prewarmed', 0o644);
    const cache = openCodeCache(context({ XDG_CACHE_HOME: join(root, 'xdg') }));
    expect(cache.data?.toString()).toBe('prewarmed');
    expect(cache.from).toBe(join(root, 'install', 'code-cache'));
    expect(saveCodeCache(cache, false, 0, () => Buffer.from('new'))).toBe('up to date');
    expect(saveCodeCache(cache, true, 0, () => Buffer.from('new'))).toBe('not written');
  });

  it('ignores a prewarmed cache others can write, and falls back to the private one', () => {
    dir(join(root, 'install', 'code-cache'), 0o777);
    file(join(root, 'install', 'code-cache', name), 'planted', 0o644);
    dir(join(root, 'xdg', 'imps-krm'), 0o700);
    file(join(root, 'xdg', 'imps-krm', name), 'private');
    const cache = openCodeCache(context({ XDG_CACHE_HOME: join(root, 'xdg') }));
    expect(cache.data?.toString()).toBe('private');
  });

  it('writes after a successful run only, into a 0700 directory it creates, as a 0600 file; then reads it back', () => {
    const env = { XDG_CACHE_HOME: join(root, 'xdg') };
    const first = openCodeCache(context(env));
    expect(first.data).toBeUndefined();
    expect(saveCodeCache(first, false, 1, () => Buffer.from('bytecode'))).toBe('not written (exit code 1)');
    expect(saveCodeCache(first, false, 0, () => Buffer.from('bytecode'))).toBe(`written to ${join(root, 'xdg', 'imps-krm')}`);
    expect(statSync(join(root, 'xdg', 'imps-krm')).mode & 0o777).toBe(0o700);
    expect(statSync(join(root, 'xdg', 'imps-krm', name)).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(root, 'xdg', 'imps-krm'))).toEqual([name]);
    expect(openCodeCache(context(env)).data?.toString()).toBe('bytecode');
  });

  it('rewrites a cache V8 rejected', () => {
    const env = { XDG_CACHE_HOME: join(root, 'xdg') };
    dir(join(root, 'xdg', 'imps-krm'), 0o700);
    file(join(root, 'xdg', 'imps-krm', name), 'stale');
    const cache = openCodeCache(context(env));
    expect(saveCodeCache(cache, true, 0, () => Buffer.from('fresh'))).toMatch(/^written/);
    expect(openCodeCache(context(env)).data?.toString()).toBe('fresh');
  });

  it('neither reads nor writes a private directory that is open to others or not ours', () => {
    dir(join(root, 'xdg', 'imps-krm'), 0o755);
    file(join(root, 'xdg', 'imps-krm', name), 'planted', 0o644);
    const cache = openCodeCache(context({ XDG_CACHE_HOME: join(root, 'xdg') }));
    expect(cache.data).toBeUndefined();
    expect(saveCodeCache(cache, false, 0, () => Buffer.from('x'))).toMatch(/is not a usable private directory/);
    const foreign = openCodeCache(context({ XDG_CACHE_HOME: join(root, 'xdg2') }, { uid: otherUid }));
    dir(join(root, 'xdg2', 'imps-krm'), 0o700);
    expect(saveCodeCache(foreign, false, 0, () => Buffer.from('x'))).toMatch(/is not a usable private directory/);
  });

  it('falls back silently: no absolute cache home, unwritable home, disabled, foreign bundle, no uid', () => {
    expect(openCodeCache(context({ XDG_CACHE_HOME: 'rel', HOME: 'rel' }))).toMatchObject({ data: undefined, writeTo: undefined });
    dir(join(root, 'read-only'), 0o500);
    const unwritable = openCodeCache(context({ XDG_CACHE_HOME: join(root, 'read-only', 'sub') }));
    // root ignores directory modes: only a non-root run can see this refusal.
    if (uid !== 0) expect(saveCodeCache(unwritable, false, 0, () => Buffer.from('x'))).toMatch(/not written/);
    // The cache home is made (one level, 0700), not a missing path above it.
    expect(saveCodeCache(openCodeCache(context({ XDG_CACHE_HOME: join(root, 'missing', 'cache') })), false, 0, () => Buffer.from('x'))).toMatch(/not a usable private directory/);
    expect(saveCodeCache(openCodeCache(context({ XDG_CACHE_HOME: join(root, 'cache') })), false, 0, () => Buffer.from('x'))).toMatch(/^written/);
    expect(statSync(join(root, 'cache')).mode & 0o777).toBe(0o700);
    expect(openCodeCache(context({ XDG_CACHE_HOME: join(root, 'xdg'), IMPS_KRM_CODE_CACHE: 'off' })).writeTo).toBeUndefined();
    expect(openCodeCache(context({ XDG_CACHE_HOME: join(root, 'xdg') }, { sourceLength: 999 })).writeTo).toBeUndefined();
    expect(openCodeCache(context({ XDG_CACHE_HOME: join(root, 'xdg') }, { uid: undefined })).writeTo).toBeUndefined();
  });

  it('prewarm mode writes next to the bundle (0755 directory, 0644 files) and reads nothing', () => {
    dir(join(root, 'install'), 0o755);
    dir(join(root, 'xdg', 'imps-krm'), 0o700);
    file(join(root, 'xdg', 'imps-krm', name), 'private');
    const cache = openCodeCache(context({ XDG_CACHE_HOME: join(root, 'xdg'), IMPS_KRM_CODE_CACHE_PREWARM: '1' }));
    expect(cache.data).toBeUndefined();
    expect(saveCodeCache(cache, false, 0, () => Buffer.from('prewarmed'))).toBe(`written to ${join(root, 'install', 'code-cache')}`);
    expect(statSync(join(root, 'install', 'code-cache')).mode & 0o777).toBe(0o755);
    expect(statSync(join(root, 'install', 'code-cache', name)).mode & 0o777).toBe(0o644);
  });

  it('keeps the private directory bounded: the oldest files go beyond 24', () => {
    const cacheDir = dir(join(root, 'xdg', 'imps-krm'), 0o700);
    for (let i = 0; i < 30; i++) {
      const old = file(join(cacheDir, `old-${String(i).padStart(2, '0')}.v8cache`));
      utimesSync(old, 1_000_000 + i, 1_000_000 + i);
    }
    saveCodeCache(openCodeCache(context({ XDG_CACHE_HOME: join(root, 'xdg') })), false, 0, () => Buffer.from('new'));
    const left = readdirSync(cacheDir).sort();
    expect(left).toHaveLength(24);
    expect(left).toContain(name);
    expect(left).not.toContain('old-00.v8cache');
    expect(left).toContain('old-29.v8cache');
  });
});
