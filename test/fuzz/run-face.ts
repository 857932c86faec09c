// Runs a face on one fuzzed input, in-process (the faces take a Stdio: test/golden/capture.ts) or as the BUILT CLI,
// and checks what every face promises whatever its input (issue 8):
// - the exit code is 0, 1 or 2: never 3 (an internal error), never a throw or a signal;
// - nothing on stdout unless the exit code is 0, and what a success prints is whole (it parses back). `fn` writes a
//   ResourceList either way (kustomize and kpt need the items back): it must be whole, and its `results` are checked
//   like stderr;
// - stderr is one line per problem, each starting with its severity (a usage error adds the usage lines), with no
//   control characters: an input cannot forge or hide a line in Argo CD's UI or a terminal;
// - no credential of the input, and no input text planted as a canary, on stderr or in `results`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../../src/cli/main.js';
import { YAML_PARSE_OPTIONS } from '../../src/io/yaml-parse.js';
import { runBuilt } from '../bounds/built-cli.js';
import { captureStdio } from '../golden/capture.js';
import type { FuzzStats } from './fuzz-run.js';

/** One input: files laid out in a fresh directory, stdin, arguments and environment, and what must never be printed. */
export interface FuzzInput {
  readonly args: readonly string[];
  readonly files?: Readonly<Record<string, string | Buffer>>;
  readonly stdin?: string | Buffer;
  readonly env?: Readonly<Record<string, string>>;
  /** Credentials and canary texts planted in the input: none may reach stderr or `results`. */
  readonly secrets: readonly string[];
  /** The working directory, relative to the input directory (default: the input directory). */
  readonly cwd?: string;
  /** Makes what files cannot say (links, FIFOs) in the input directory; `outside` is its parent, removed after. */
  readonly setup?: (dir: string, outside: string) => void;
}

export interface FaceOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly peakMiB?: number;
  /** Process warnings emitted during an in-process run: the CLI would print them on stderr, unformatted. */
  readonly warnings?: readonly string[];
}

/** The environment every fuzzed run starts from: no kubeconfig, no cloud identity, nothing of the developer's. */
export function baseEnv(dir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    HOME: dir,
    KUBECONFIG: join(dir, 'no-kubeconfig'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    AWS_MAX_ATTEMPTS: '1',
  };
}

/** The run's environment; `{dir}` in a value is the input's directory. */
function envFor(input: FuzzInput, dir: string): NodeJS.ProcessEnv {
  return { ...baseEnv(dir), ...Object.fromEntries(Object.entries(input.env ?? {}).map(([key, value]) => [key, value.replaceAll('{dir}', dir)])) };
}

/** The input directory (`<temp>/app`), its files and what `setup` makes; the caller removes `<temp>`. */
function layOut(input: FuzzInput): { dir: string; base: string } {
  const base = mkdtempSync(join(tmpdir(), 'imps-krm-fuzz-'));
  const dir = join(base, 'app');
  mkdirSync(dir);
  for (const [path, content] of Object.entries(input.files ?? {})) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  input.setup?.(dir, base);
  return { dir, base };
}

/** The face in this process: fast, so most inputs go this way. */
export async function runInProcess(input: FuzzInput): Promise<FaceOutcome> {
  const { dir, base } = layOut(input);
  try {
    const run = captureStdio({ cwd: join(dir, input.cwd ?? ''), env: envFor(input, dir) });
    if (input.stdin !== undefined) {
      const stdin = new PassThrough();
      stdin.end(input.stdin);
      Object.assign(run.stdio, { stdin });
    }
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    const started = performance.now();
    let code: number;
    try {
      code = await runCli(input.args.map((arg) => arg.replaceAll('{dir}', dir)), run.stdio, 'imps-krm');
    } catch (error) {
      // runCli catches everything; something escaping it is a crash.
      code = -2;
      run.stdio.stderr.write(`(thrown out of runCli: ${error instanceof Error ? error.message : String(error)})\n`);
    } finally {
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      process.off('warning', onWarning);
    }
    return { code, stdout: run.stdout(), stderr: run.stderr(), ms: performance.now() - started, warnings };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

/** The BUILT CLI (dist/cli.js), with its peak RSS: covers the bundle, and memory per input. */
export async function runBuiltCli(input: FuzzInput): Promise<FaceOutcome> {
  const { dir, base } = layOut(input);
  try {
    const started = performance.now();
    const result = await runBuilt(
      input.args.map((arg) => arg.replaceAll('{dir}', dir)),
      { cwd: join(dir, input.cwd ?? ''), env: envFor(input, dir), stdin: input.stdin ?? '', timeoutMs: 60_000 },
    );
    return { ...result, ms: performance.now() - started };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

// Problems, and render's one summary line per ImagePullSecret on success.
const SEVERITY_LINE = /^((error|warning): \S|rendered \d+ )/;
// Control characters other than tab; DEL and the C1 range (U+0080-U+009F) included: terminals act on them too.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

const HELP = new Set(['--help', '-h', 'help', '--version', 'version', 'discover']);

/** The promises above, for one outcome; `stats` records the exit code and time. */
export function checkOutcome(input: FuzzInput, outcome: FaceOutcome, stats: FuzzStats): void {
  // `fn --help` prints help, not a ResourceList (found by a 3,000-input run of the command lines).
  const isFn = (input.args[0] === 'fn' && !input.args.some((arg) => HELP.has(arg))) || (input.args.length === 0 && input.stdin !== undefined);
  stats.record(String(outcome.code), outcome.ms, outcome.peakMiB);
  const context = `exit ${outcome.code}\n--- stderr\n${outcome.stderr.slice(0, 2000)}\n--- stdout\n${outcome.stdout.slice(0, 500)}`;
  expect([0, 1, 2], context).toContain(outcome.code);
  // gcp-metadata warns when its metadata lookup fails with an error it does not expect, as the loopback-only guard's
  // refusal is: whether that reaches stderr is the CLI's warning policy (src/cli/warning-policy.ts), not the input's.
  const warnings = (outcome.warnings ?? []).filter((warning) => !warning.startsWith('MetadataLookupWarning:'));
  expect(warnings, `process warnings (printed on stderr as they are)\n${context}`).toEqual([]);

  // The built CLI folds process warnings into the problem they belong to (src/cli/warning-policy.ts): none of its
  // own on stderr, gcp-metadata's included.
  const lines = outcome.stderr.split('\n');
  expect(lines.at(-1), `stderr ends with a line break\n${context}`).toBe('');
  for (const line of lines.slice(0, -1)) {
    expect(CONTROL.test(line), `a control character on stderr: ${JSON.stringify(line)}`).toBe(false);
    if (outcome.code !== 2) expect(line, `one line per problem, each naming its severity\n${context}`).toMatch(SEVERITY_LINE);
  }

  let printed = outcome.stderr;
  if (isFn && outcome.stdout !== '') {
    // Read as the faces read input: fn passes items through as written, tags and all.
    const docs = parseAllDocuments(outcome.stdout, YAML_PARSE_OPTIONS);
    expect(Array.isArray(docs) && docs.length === 1 && docs[0]!.errors.length === 0, `fn writes one whole ResourceList\n${context}`).toBe(true);
    const list = (docs as Array<{ toJS(options: object): unknown }>)[0]!.toJS({ maxAliasCount: -1 }) as { kind?: unknown; results?: unknown };
    expect(list.kind, context).toBe('ResourceList');
    printed += JSON.stringify(list.results ?? []);
    if (outcome.code === 0) expect(JSON.stringify(list.results ?? []), context).not.toMatch(/"severity":"error"/);
  } else if (outcome.code !== 0) {
    expect(outcome.stdout, `nothing on stdout unless exit 0\n${context}`).toBe('');
  } else if (outcome.stdout !== '' && (input.args[0] === 'render' || input.args[0] === 'cmp') && !input.args.some((arg) => HELP.has(arg))) {
    const docs = parseAllDocuments(outcome.stdout, YAML_PARSE_OPTIONS);
    const errors = (Array.isArray(docs) ? docs : [docs]).flatMap((doc) => doc.errors.map((error) => error.code));
    expect(errors, `what a success prints parses back\n${context}`).toEqual([]);
  }
  for (const secret of input.secrets) {
    expect(printed.includes(secret), `input text ${JSON.stringify(secret.slice(0, 60))} printed\n${context}`).toBe(false);
  }
}

/** Runs and checks one input in-process. */
export async function fuzzInProcess(input: FuzzInput, stats: FuzzStats): Promise<FaceOutcome> {
  const outcome = await runInProcess(input);
  checkOutcome(input, outcome, stats);
  return outcome;
}

/** Runs and checks one input through the BUILT CLI, with its peak RSS under `ceilingMiB`. */
export async function fuzzBuilt(input: FuzzInput, stats: FuzzStats, ceilingMiB: number): Promise<FaceOutcome> {
  const outcome = await runBuiltCli(input);
  checkOutcome(input, outcome, stats);
  expect(outcome.peakMiB ?? Number.NaN, `peak RSS of one input (${outcome.peakMiB?.toFixed(0)} MiB)`).toBeLessThan(ceilingMiB);
  return outcome;
}
