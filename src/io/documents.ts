import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Problem } from '../core/problems.js';

/** One object read from the input, with where it came from. */
export interface InputDocument {
  readonly value: unknown;
  readonly origin: { readonly path: string; readonly index: number };
}

const MANIFEST = /\.(ya?ml|json)$/i;

/**
 * Reads every YAML/JSON document under the given files and folders (`-` is stdin), folders recursively in name
 * order so output never depends on the filesystem. `List` objects are flattened, as kubectl does.
 */
export async function readDocuments(
  paths: readonly string[],
  readStdin: () => Promise<string>,
  cwd = process.cwd(),
): Promise<{ documents: InputDocument[]; problems: Problem[] }> {
  const documents: InputDocument[] = [];
  const problems: Problem[] = [];
  for (const path of paths) {
    if (path === '-') {
      collect(await readStdin(), '<stdin>', documents, problems);
      continue;
    }
    const files = await listFiles(resolve(cwd, path)).catch((error: NodeJS.ErrnoException) => {
      problems.push({ severity: 'error', file: { path }, message: error.code === 'ENOENT' ? 'no such file or directory' : error.message });
      return [];
    });
    for (const file of files) collect(await readFile(file, 'utf8'), relative(cwd, file) || file, documents, problems);
  }
  return { documents, problems };
}

async function listFiles(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = join(path, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(full)));
    else if (MANIFEST.test(entry.name)) files.push(full);
  }
  return files;
}

/** Parses a YAML stream; a syntax error is a problem naming the file and line, never a stack trace. */
export function collect(text: string, path: string, documents: InputDocument[], problems: Problem[]): void {
  parseAllDocuments(text).forEach((document, index) => {
    const error = document.errors[0];
    if (error) {
      const line = error.linePos?.[0]?.line;
      problems.push({
        severity: 'error',
        file: { path, index },
        message: `invalid YAML${line ? ` at line ${line}` : ''}: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      });
      return;
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) return;
    for (const item of flattenList(value)) documents.push({ value: item, origin: { path, index } });
  });
}

function flattenList(value: unknown): unknown[] {
  if (isRecord(value) && typeof value['kind'] === 'string' && value['kind'].endsWith('List') && Array.isArray(value['items'])) {
    return value['items'].flatMap(flattenList);
  }
  return [value];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
