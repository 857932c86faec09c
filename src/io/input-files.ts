// Reading input bytes: bounded by the run's budget, strict UTF-8, and every failure one line naming the file (a
// dangling symlink, a loop, a directory where a file was expected, EACCES: never a stack trace or exit 3).
// Paths a repository author writes (`files`) are confined to the input root, the way Argo CD confines Helm value
// files to the repository (argoproj/argo-cd util/io/path/resolved.go): resolved to real paths, inside or refused.
// node:fs's `promises`, read where used: the KRM function with no `files` then never loads node:fs/promises (~1 ms
// and 120 pages of memory at every start; inputRoot, which every run calls, uses the callback API for that reason).
import { constants, promises as fs, realpath } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Problem } from '../core/problems.js';
import { decodeUtf8 } from '../core/utf8.js';
import type { ReadBudget } from './read-budget.js';
import { LIMIT_NOTE } from './limits.js';

/** A directory nothing read on behalf of an untrusted author may leave. */
export interface InputRoot {
  /** Its real path (symlinks resolved). */
  readonly path: string;
  /** How messages name it: `the working directory`, `the repository`. */
  readonly name: string;
}

export type ReadFailure = { readonly message: string; readonly limit?: boolean };

/** A failure to read `path` as the one problem line every face prints. */
export function readProblem(path: string, failure: ReadFailure): Problem {
  return { severity: 'error', file: { path }, message: failure.limit ? `too large: ${failure.message} (${LIMIT_NOTE})` : failure.message };
}

/** One line for a file-system error: the cause only, never `error.message` (which repeats the path). */
export function describeFsError(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory (or a symbolic link to nothing)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many levels of symbolic links (a loop)';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    default:
      return typeof code === 'string' ? `cannot be read (${code})` : 'cannot be read';
  }
}

export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** The real path of a directory to confine reads to. */
export async function inputRoot(path: string, name: string): Promise<InputRoot | ReadFailure> {
  try {
    const real = await new Promise<string>((done, fail) => realpath.native(path, (error, resolved) => (error ? fail(error) : done(resolved))));
    return { path: real, name };
  } catch (error) {
    return { message: `${name}: ${describeFsError(error)}` };
  }
}

/**
 * A path an untrusted author wrote, relative to `base`: its real path, when that is inside `root`. Absolute paths
 * are refused outright (they name the reader's machine, not the input), `..` only while it stays inside, and a
 * symbolic link anywhere on the way is followed and judged by where it ends.
 */
export async function resolveConfined(entry: string, base: string, root: InputRoot): Promise<{ readonly path: string } | ReadFailure> {
  const leaves = { message: `must stay inside ${root.name} (relative path; .. and symbolic links may not leave it)` };
  if (entry === '' || isAbsolute(entry) || entry.includes('\0')) return { message: `must be a relative path inside ${root.name}` };
  const joined = resolve(base, entry);
  try {
    // Lexically first: a path that climbs out is refused without touching what it names.
    if (!isInside(root.path, resolve(await fs.realpath(base), entry))) return leaves;
    const real = await fs.realpath(joined);
    return isInside(root.path, real) ? { path: real } : leaves;
  } catch (error) {
    return { message: describeFsError(error) };
  }
}

/** Real path of `path` when it is inside `root` (every root when none is given). */
export async function confinedRealPath(path: string, root: InputRoot | undefined): Promise<{ readonly path: string } | ReadFailure> {
  try {
    const real = await fs.realpath(path);
    if (root && !isInside(root.path, real)) return { message: `a symbolic link that leaves ${root.name}; refused` };
    return { path: real };
  } catch (error) {
    return { message: describeFsError(error) };
  }
}

/**
 * A regular file's text. Opened non-blocking so a FIFO named `x.yaml` cannot hang the run; its size is charged to the
 * budget before a byte is read, and nothing past that size is read even if the file grows meanwhile.
 */
export async function readInputFile(path: string, budget: ReadBudget): Promise<{ readonly text: string } | ReadFailure> {
  let handle;
  try {
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { message: describeFsError(error) };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { message: info.isDirectory() ? 'is a directory' : 'not a regular file' };
    const over = budget.spendBytes(info.size);
    if (over) return { message: over, limit: true };
    const bytes = Buffer.allocUnsafe(info.size);
    let filled = 0;
    while (filled < info.size) {
      const { bytesRead } = await handle.read(bytes, filled, info.size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return decoded(bytes.subarray(0, filled));
  } catch (error) {
    return { message: describeFsError(error) };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** All of a stream (stdin), stopping as soon as the run's budget is spent. */
export async function readInputStream(stream: NodeJS.ReadableStream, budget: ReadBudget): Promise<{ readonly text: string } | ReadFailure> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const over = budget.spendBytes(bytes.length);
      if (over) return { message: over, limit: true };
      chunks.push(bytes);
    }
  } catch (error) {
    return { message: describeFsError(error) };
  }
  return decoded(Buffer.concat(chunks));
}

function decoded(bytes: Uint8Array): { readonly text: string } | ReadFailure {
  const result = decodeUtf8(bytes);
  return 'text' in result ? result : { message: `not UTF-8 text (invalid byte at offset ${result.offset})` };
}
