import { promises as fs } from 'node:fs'; // read where used: see input-files.ts
import { join, relative, resolve } from 'node:path';
import type { Problem } from '../core/problems.js';
import { isRecord } from '../core/records.js';
import { confinedRealPath, describeFsError, readInputFile, readInputStream, readProblem, resolveConfined, type InputRoot, type ReadFailure } from './input-files.js';
import type { ReadBudget } from './read-budget.js';
import { parseYamlValues } from './yaml-parse.js';

/** One object read from the input, with where it came from. */
export interface InputDocument {
  readonly value: unknown;
  readonly origin: { readonly path: string; readonly index: number };
}

export interface ReadOptions {
  /** Base of relative paths, and what displayed paths are relative to. */
  readonly cwd: string;
  readonly budget: ReadBudget;
  /** Read for `-`. */
  readonly stdin?: NodeJS.ReadableStream | undefined;
  /** Nothing read may leave this directory, symbolic links included (a repository's own content). */
  readonly root?: InputRoot | undefined;
  /**
   * The paths are a setting an untrusted author wrote (`files`): each must be relative and stay inside `root`, and
   * errors about an entry name `<field>[<index>]` rather than the path.
   */
  readonly field?: string | undefined;
}

const MANIFEST = /\.(ya?ml|json)$/i;

/**
 * Reads every YAML/JSON document under the given files and folders (`-` is stdin), folders recursively in name
 * order so output never depends on the filesystem. `List` objects are flattened, as kubectl does. Never throws: an
 * unreadable path, a non-UTF-8 file or YAML past a limit is a problem naming the file.
 */
export async function readDocuments(paths: readonly string[], options: ReadOptions): Promise<{ documents: InputDocument[]; problems: Problem[] }> {
  const { cwd, budget, root, field } = options;
  const documents: InputDocument[] = [];
  const problems: Problem[] = [];
  const fail = (display: string, failure: ReadFailure): void => {
    problems.push(readProblem(display, failure));
  };
  for (const [index, path] of paths.entries()) {
    if (budget.exhausted) break;
    if (path === '-' && field === undefined) {
      const read = options.stdin ? await readInputStream(options.stdin, budget) : { text: '' };
      if ('text' in read) collect(read.text, '<stdin>', budget, documents, problems);
      else fail('<stdin>', read);
      continue;
    }
    let start = resolve(cwd, path);
    if (field !== undefined && root) {
      const confined = await resolveConfined(path, cwd, root);
      if ('message' in confined) {
        problems.push({ severity: 'error', field: `${field}[${index}]`, message: confined.message });
        continue;
      }
      start = confined.path;
    }
    const walk = await listFiles(start, root);
    for (const failure of walk.failures) fail(display(cwd, failure.path), failure);
    for (const file of walk.files) {
      if (budget.exhausted) break;
      const read = await readInputFile(file.real, budget);
      if ('text' in read) collect(read.text, display(cwd, file.path), budget, documents, problems);
      else fail(display(cwd, file.path), read);
    }
  }
  return { documents, problems };
}

const display = (cwd: string, path: string): string => relative(cwd, path) || path;

interface Walk {
  readonly files: Array<{ readonly path: string; readonly real: string }>;
  readonly failures: Array<ReadFailure & { readonly path: string }>;
}

/**
 * The manifest files under `path` (itself followed if it is a link: someone named it). Inside a folder, links to
 * files are followed and judged by where they end; links to folders are not followed (as kubectl's -R), so no link
 * can make the walk leave the tree or loop.
 */
async function listFiles(path: string, root: InputRoot | undefined): Promise<Walk> {
  const walk: Walk = { files: [], failures: [] };
  const real = await confinedRealPath(path, root);
  if ('message' in real) {
    walk.failures.push({ ...real, path });
    return walk;
  }
  try {
    if ((await fs.stat(real.path)).isDirectory()) await walkDirectory(path, real.path, root, walk);
    else walk.files.push({ path, real: real.path });
  } catch (error) {
    walk.failures.push({ message: describeFsError(error), path });
  }
  return walk;
}

async function walkDirectory(path: string, real: string, root: InputRoot | undefined, walk: Walk): Promise<void> {
  let entries;
  try {
    entries = (await fs.readdir(real, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  } catch (error) {
    walk.failures.push({ message: describeFsError(error), path });
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = join(path, entry.name);
    if (entry.isDirectory()) {
      await walkDirectory(full, join(real, entry.name), root, walk);
    } else if (!MANIFEST.test(entry.name)) {
      continue;
    } else if (entry.isSymbolicLink()) {
      const target = await confinedRealPath(join(real, entry.name), root);
      if ('message' in target) walk.failures.push({ ...target, path: full });
      else if (await isDirectory(target.path)) walk.failures.push({ message: 'a symbolic link to a folder; not followed', path: full });
      else walk.files.push({ path: full, real: target.path });
    } else {
      // Regular files, and anything else named like a manifest (a FIFO, a socket): the reader refuses those.
      walk.files.push({ path: full, real: join(real, entry.name) });
    }
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await fs.stat(path)).isDirectory();
  } catch {
    return false; // the reader reports it
  }
}

/** Parses a YAML stream into documents; every problem names the file, the document index and the line. */
export function collect(text: string, path: string, budget: ReadBudget, documents: InputDocument[], problems: Problem[]): void {
  const parsed = parseYamlValues(text, path, budget);
  problems.push(...parsed.problems);
  for (const { index, value } of parsed.values) {
    for (const item of flattenList(value)) documents.push({ value: item, origin: { path, index } });
  }
}

function flattenList(value: unknown): unknown[] {
  if (isRecord(value) && typeof value['kind'] === 'string' && value['kind'].endsWith('List') && Array.isArray(value['items'])) {
    return value['items'].flatMap(flattenList);
  }
  return [value];
}

