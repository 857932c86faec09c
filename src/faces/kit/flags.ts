import { parseArgs, type ParseArgsConfig } from 'node:util';
import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from './exit.js';
import { errorMessage } from '../../core/problems.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs with its errors turned into usage errors (exit 2), and no positionals unless asked.
 * Short options take their value as kubectl's flag library (spf13/pflag, flag.go parseSingleShortArg) does:
 * `-ojson`, `-o json` and `-o=json` all mean `json`.
 */
export function parseFlags<T extends Options>(args: readonly string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: shortEquals(args, options), options, allowPositionals, strict: true });
  } catch (error) {
    // node:util's messages may span lines (an ambiguous value's advice): one line per problem.
    throw new UsageError(errorMessage(error).replace(/^[A-Z_]+: /, '').replace(/\s*\n\s*/g, ' '));
  }
}

/** `-o=json` -> `-o json` for string options; a value taken by the previous option and anything after `--` stay. */
function shortEquals(args: readonly string[], options: Options): string[] {
  const takesValue = new Set<string>();
  for (const [name, option] of Object.entries(options)) {
    if (option.type !== 'string') continue;
    takesValue.add(`--${name}`);
    if (option.short) takesValue.add(`-${option.short}`);
  }
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return [...out, ...args.slice(i)];
    const attached = /^(-[A-Za-z])=([\s\S]*)$/.exec(arg);
    if (attached && takesValue.has(attached[1]!)) {
      out.push(attached[1]!, attached[2]!);
      continue;
    }
    out.push(arg);
    // `--context -o=json`: the next word is this option's value, whatever it looks like.
    if (takesValue.has(arg) && i + 1 < args.length) out.push(args[++i]!);
  }
  return out;
}

export function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}`);
  return value as T;
}

/**
 * A file named by a flag must exist and be readable: found missing later, deep in a client library, it would read
 * as a failure of the run (exit 1) or a crash (exit 3) rather than a mistyped flag (exit 2).
 */
export function readableFileFlag(flag: string, path: string | undefined, cwd: string): string | undefined {
  if (path === undefined) return undefined;
  if (path === '') throw new UsageError(`--${flag} must not be empty`);
  const full = resolve(cwd, path);
  try {
    if (!statSync(full).isFile()) throw new UsageError(`--${flag} ${path}: not a file`);
    accessSync(full, constants.R_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--${flag} ${path}: ${describeFileError(error)}`);
  }
  return path;
}

function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a parent is not a directory';
  return `cannot read the file (${typeof code === 'string' ? code : 'unknown error'})`;
}

/** The flags of the commands that read manifests and may read a cluster (`render`, `explain`). */
export const manifestFlags = {
  filename: { type: 'string', short: 'f', multiple: true },
  cluster: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `--cluster`: where namespaces, Pods and source Secrets come from. */
export const clusterFlag = (value: string | undefined) => oneOf('cluster', value, ['auto', 'live', 'input'] as const);
