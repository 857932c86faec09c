// V8 code cache for the bundle (issue 12): bytecode the process will execute, so it is read only from a place no
// other user and no input repository can write:
// - the prewarmed cache next to the bundle (`<install dir>/code-cache/`, written by `imps-krm install` at image
//   build time): trusted like the bundle itself, so owned by root or by us and writable by nobody else;
// - the private per-user cache, $XDG_CACHE_HOME/imps-krm or $HOME/.cache/imps-krm (absolute paths only: a relative
//   one would resolve against the working directory, which is the input repository): a directory of ours, mode 0700.
// Anything else (another owner, group/other access, a symlink, a hard link) is ignored and the bundle compiles
// without a cache; when no private directory is usable, nothing is written. Nothing here ever fails the command.
// Why after the run: V8 serialises the functions compiled so far, so a cache written at exit holds what the command
// actually ran (`module.enableCompileCache()` caches at compile time, before the lazy functions are compiled).
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { LEGACY_PLUGIN_NAMES } from '../legacy-plugin-name.js';

/** Identity of the bundle, computed at build time (scripts/build.mjs). */
export interface BundleIdentity {
  readonly sha256: string;
  readonly length: number;
}

/**
 * What makes a cache usable: the bundle, the Node build (its V8), the V8 flags, the command. Flags are keyed by what
 * can carry them (the process's own flags and NODE_OPTIONS, a superset): V8 rejects data made under other flags, and
 * one file per flag set keeps two callers with different flags from overwriting each other's cache. Not keyed by
 * `v8.cachedDataVersionTag()`: it also hashes the CPU features, which V8 does not check for bytecode, and would make
 * a cache prewarmed on the image build machine miss on every other CPU.
 */
export interface CacheKey {
  readonly bundle: BundleIdentity;
  readonly nodeVersion: string;
  readonly arch: string;
  readonly flags: string;
  readonly command: string;
}

export const PREWARM_DIR_NAME = 'code-cache';
/** Set by `imps-krm install` while it runs the installed copy once per face: write into the prewarm directory. */
export const PREWARM_ENV = 'IMPS_KRM_CODE_CACHE_PREWARM';
/** `IMPS_KRM_CODE_CACHE=off` disables the cache (reading and writing); `trace` prints what the launcher did. */
export const SWITCH_ENV = 'IMPS_KRM_CODE_CACHE';
const SUFFIX = '.v8cache';
/** Old keys (other builds, other Node versions) are pruned beyond this many files when a new one is written. */
const MAX_FILES = 24;

export function cacheFileName(key: CacheKey): string {
  return `${key.bundle.sha256.slice(0, 20)}-${key.nodeVersion}-${key.arch}-${fingerprint(key.flags)}-${key.command}${SUFFIX}`;
}

/** The flags that reach V8: Node's own command line and NODE_OPTIONS. */
export function flagsOf(execArgv: readonly string[], env: NodeJS.ProcessEnv): string {
  return `${execArgv.join(' ')}\0${env['NODE_OPTIONS'] ?? ''}`;
}

/** FNV-1a, 32 bits: a file-name-sized digest of the flags (loading node:crypto would cost more than the cache saves). */
function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

/**
 * One cache per command (as src/cli/main.ts picks it): fn, render and cmp run different functions, and a cache holds
 * what ran. Anything that is not a plain command word (flags) shares one.
 */
export function commandWord(argv: readonly string[]): string {
  if (argv[1] !== undefined && LEGACY_PLUGIN_NAMES.includes(basename(argv[1]))) return 'kustomize-plugin';
  const word = argv[2];
  if (word === undefined) return 'fn';
  return /^[a-z][a-z-]{0,31}$/.test(word) ? word : 'other';
}

/** $XDG_CACHE_HOME/imps-krm, else $HOME/.cache/imps-krm; undefined when neither is an absolute path. */
export function privateCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg && isAbsolute(xdg)) return join(xdg, 'imps-krm');
  const home = env['HOME'];
  if (home && isAbsolute(home)) return join(home, '.cache', 'imps-krm');
  return undefined;
}

/** A real directory (not a symlink) owned by one of `owners`, with none of the `forbidden` mode bits. */
export function isTrustedDir(path: string, owners: readonly number[], forbidden: number): boolean {
  try {
    const stat = lstatSync(path);
    return stat.isDirectory() && owners.includes(stat.uid) && (stat.mode & forbidden) === 0;
  } catch {
    return false;
  }
}

/**
 * The file's bytes when it is a regular file (not followed through a symlink, one link only) owned by one of
 * `owners` and writable by nobody else; undefined otherwise. The checks run on the opened descriptor, so a file
 * swapped in between check and read is the one checked.
 */
export function readTrustedFile(path: string, owners: readonly number[]): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.nlink !== 1 || !owners.includes(stat.uid) || (stat.mode & 0o022) !== 0) return undefined;
    const data = Buffer.allocUnsafe(stat.size);
    let read = 0;
    while (read < data.length) {
      const n = readSync(fd, data, read, data.length - read, read);
      if (n === 0) return undefined;
      read += n;
    }
    return data;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Creates the private directory (0700) and its parent (the cache home, 0700 as XDG asks) if needed; true when it is ours and closed to group and others. */
export function ensurePrivateDir(path: string, uid: number): boolean {
  return makeDir(dirname(path), 0o700) && makeDir(path, 0o700) && isTrustedDir(path, [uid], 0o077);
}

/**
 * One level, not `recursive: true`: on Node 22.23 a recursive mkdir under /proc never returns. A cache home whose own
 * parent is missing gets no cache.
 */
function makeDir(path: string, mode: number): boolean {
  try {
    mkdirSync(path, { mode });
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EEXIST';
  }
}

/** Writes through a fresh temporary file and a rename, so a reader sees a whole file or none. */
export function writeCacheFile(dir: string, name: string, data: Buffer, mode: number): void {
  const temporary = join(dir, `.${name}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    writeFileSync(temporary, data, { mode, flag: 'wx' });
    renameSync(temporary, join(dir, name));
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // nothing was created
    }
    throw error;
  }
  prune(dir);
}

function prune(dir: string): void {
  const files = readdirSync(dir).filter((name) => name.endsWith(SUFFIX));
  if (files.length <= MAX_FILES) return;
  const byAge = files.map((name) => ({ name, mtime: statSync(join(dir, name)).mtimeMs })).sort((a, b) => a.mtime - b.mtime);
  for (const { name } of byAge.slice(0, files.length - MAX_FILES)) unlinkSync(join(dir, name));
}

export interface CodeCache {
  /** Cached data to compile with, if any trusted cache matched. */
  readonly data: Buffer | undefined;
  /** Where the data came from, for IMPS_KRM_CODE_CACHE=trace. */
  readonly from: string;
  /** Where to write after a successful run when the data was missing or rejected; undefined: never write. */
  readonly writeTo: { readonly dir: string; readonly mode: number; readonly ensure: () => boolean } | undefined;
  readonly name: string;
}

export interface CacheContext {
  /** The folder of the launcher and the bundle. */
  readonly installDir: string;
  readonly key: CacheKey;
  /** Length of the bundle read at start-up: a bundle that is not the one the launcher was built with gets no cache. */
  readonly sourceLength: number;
  readonly env: NodeJS.ProcessEnv;
  readonly uid: number | undefined;
}

export function openCodeCache(context: CacheContext): CodeCache {
  const name = cacheFileName(context.key);
  const none = (from: string): CodeCache => ({ data: undefined, from, writeTo: undefined, name });
  const { uid, env } = context;
  if (env[SWITCH_ENV] === 'off') return none('disabled by IMPS_KRM_CODE_CACHE=off');
  if (uid === undefined) return none('no user id on this platform');
  if (context.sourceLength !== context.key.bundle.length) return none('the bundle is not the one this launcher was built with');
  const prewarmDir = join(context.installDir, PREWARM_DIR_NAME);
  if (env[PREWARM_ENV] === '1') {
    return { data: undefined, from: 'prewarming', writeTo: { dir: prewarmDir, mode: 0o644, ensure: () => ensurePrewarmDir(prewarmDir, uid) }, name };
  }
  if (isTrustedDir(prewarmDir, [0, uid], 0o022)) {
    const data = readTrustedFile(join(prewarmDir, name), [0, uid]);
    if (data) return { data, from: prewarmDir, writeTo: undefined, name };
  }
  const privateDir = privateCacheDir(env);
  if (privateDir === undefined) return none('no absolute XDG_CACHE_HOME or HOME');
  const writeTo = { dir: privateDir, mode: 0o600, ensure: () => ensurePrivateDir(privateDir, uid) };
  const data = isTrustedDir(privateDir, [uid], 0o077) ? readTrustedFile(join(privateDir, name), [uid]) : undefined;
  return { data, from: data ? privateDir : 'none', writeTo, name };
}

function ensurePrewarmDir(path: string, uid: number): boolean {
  return makeDir(path, 0o755) && isTrustedDir(path, [0, uid], 0o022);
}

/** After a run that exited 0: write the cache if it was missing or rejected. Returns what happened, for IMPS_KRM_CODE_CACHE=trace. */
export function saveCodeCache(cache: CodeCache, rejected: boolean, exitCode: number, create: () => Buffer): string {
  if (cache.data !== undefined && !rejected) return 'up to date';
  if (cache.writeTo === undefined) return 'not written';
  if (exitCode !== 0) return `not written (exit code ${exitCode})`;
  if (!cache.writeTo.ensure()) return `not written (${cache.writeTo.dir} is not a usable private directory)`;
  try {
    writeCacheFile(cache.writeTo.dir, cache.name, create(), cache.writeTo.mode);
    return `written to ${cache.writeTo.dir}`;
  } catch (error) {
    return `not written (${error instanceof Error ? error.message : String(error)})`;
  }
}
