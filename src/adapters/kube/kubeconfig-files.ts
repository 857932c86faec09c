// Which kubeconfig files count and how they merge, as kubectl does it (client-go clientcmd/loader.go,
// ClientConfigLoadingRules.Load): `--kubeconfig` alone when given (it must exist), else every file of KUBECONFIG
// (missing ones skipped), else ~/.kube/config. The first file that names a cluster, user or context wins that name
// whole (a later file's entry of the same name is ignored, even its other fields), and the first non-empty
// current-context wins.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isRecord } from '../../core/records.js';
import { ReadBudget } from '../../io/read-budget.js';
import { parseYamlFile } from '../../io/yaml-parse.js';

/** A kubeconfig that cannot be used: one line naming the file and the field, never quoting the file's text. */
export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

export type EntryList = 'clusters' | 'users' | 'contexts';
const ENTRY_FIELD: Readonly<Record<EntryList, string>> = { clusters: 'cluster', users: 'user', contexts: 'context' };

/** One named entry with where it came from, for messages: `users[1].user` in `/home/me/.kube/config`. */
export interface KubeconfigEntry {
  readonly file: string;
  readonly path: string;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface MergedKubeconfig {
  /** The files that were read, in precedence order (missing KUBECONFIG entries left out). */
  readonly files: readonly string[];
  /** Every file that was considered, for "none found" messages. */
  readonly considered: readonly string[];
  readonly currentContext: string | undefined;
  readonly entries: Readonly<Record<EntryList, ReadonlyMap<string, KubeconfigEntry>>>;
}

/** Bounds an operator file still deserves: a kubeconfig is a few kilobytes. */
const MAX_BYTES = 4 * 1024 * 1024;

export function kubeconfigFiles(explicit: string | undefined, env: NodeJS.ProcessEnv): { files: readonly string[]; explicit: boolean } {
  if (explicit) return { files: [explicit], explicit: true };
  const listed = [...new Set((env['KUBECONFIG'] ?? '').split(delimiter).filter(Boolean))];
  if (listed.length > 0) return { files: listed, explicit: false };
  return { files: [join(env['HOME'] || homedir(), '.kube', 'config')], explicit: false };
}

export function loadMergedKubeconfig(explicit: string | undefined, env: NodeJS.ProcessEnv): MergedKubeconfig {
  const { files: considered, explicit: isExplicit } = kubeconfigFiles(explicit, env);
  const entries: Record<EntryList, Map<string, KubeconfigEntry>> = { clusters: new Map(), users: new Map(), contexts: new Map() };
  const files: string[] = [];
  let currentContext: string | undefined;
  for (const file of considered) {
    const config = readKubeconfig(file, isExplicit);
    if (config === undefined) continue;
    files.push(file);
    const current = config['current-context'];
    if (current !== undefined && current !== null && typeof current !== 'string') fail(file, 'current-context', 'must be a string');
    if (currentContext === undefined && typeof current === 'string' && current !== '') currentContext = current;
    for (const list of ['clusters', 'users', 'contexts'] as const) {
      for (const entry of entriesOf(file, config, list)) if (!entries[list].has(entry.name)) entries[list].set(entry.name, entry);
    }
  }
  return { files, considered, currentContext, entries };
}

/** The parsed top level, or undefined for a missing file that may be skipped. */
function readKubeconfig(file: string, explicit: boolean): Record<string, unknown> | undefined {
  let text: string;
  try {
    const bytes = readFileSync(file);
    if (bytes.length > MAX_BYTES) fail(file, undefined, `larger than ${MAX_BYTES / 1024 / 1024} MiB`);
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof KubeconfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return undefined;
    throw new KubeconfigError(`kubeconfig ${file}: cannot read: ${code ?? 'unknown error'}`);
  }
  // The one bounded parser every face uses: its errors say where, never quote the text (a token line would leak).
  const parsed = parseYamlFile(text, file, new ReadBudget());
  if ('error' in parsed) throw new KubeconfigError(`kubeconfig ${parsed.error}`);
  const value = parsed.value;
  if (value === null || value === undefined) return {}; // an empty file is an empty config, as in kubectl
  if (!isRecord(value)) fail(file, undefined, 'must be a YAML mapping (a kubeconfig of kind Config)');
  return value;
}

function entriesOf(file: string, config: Record<string, unknown>, list: EntryList): Array<KubeconfigEntry & { name: string }> {
  const raw = config[list];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) fail(file, list, 'must be a list');
  const field = ENTRY_FIELD[list];
  return raw.map((entry: unknown, index) => {
    const at = `${list}[${index}]`;
    if (!isRecord(entry)) fail(file, at, 'must be a mapping');
    if (typeof entry['name'] !== 'string' || entry['name'] === '') fail(file, `${at}.name`, 'must be a non-empty string');
    const body = entry[field] ?? {};
    if (!isRecord(body)) fail(file, `${at}.${field}`, 'must be a mapping');
    return { name: entry['name'], file, path: `${at}.${field}`, body };
  });
}

export function fail(file: string, field: string | undefined, problem: string): never {
  throw new KubeconfigError(`kubeconfig ${file}: ${field ? `${field}: ` : ''}${problem}`);
}

