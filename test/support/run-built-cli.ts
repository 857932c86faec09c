// The one way face tests run imps-krm: the BUILT CLI (dist/cli.js, what users run) in a child process, with the
// loopback-only guard preloaded (test/guard/child-env.ts), the case's cwd, environment, stdin and arguments.
// Issue 9: the sources under tsx passed where the bundle failed; a face test of the sources proves nothing about it.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { guardedEnv } from '../guard/child-env.js';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const BUILT_CLI = join(REPO, 'dist', 'cli.js');

/** dist/cli.js, or a clear error: tests of the artifact need the artifact. */
export function requireBuiltCli(): string {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first (\`npm test\` builds before it tests)`);
  return BUILT_CLI;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunBuiltOptions {
  readonly cwd: string;
  /** Over the test process's environment (vitest's safe defaults); `undefined` deletes a variable. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Written to stdin, which is then closed (absent: closed at once); bytes as they are. */
  readonly stdin?: string | Buffer;
  /** stdin is a terminal: a pseudo-terminal from util-linux `script` (stdout and stderr stay apart, in files). */
  readonly tty?: boolean;
  readonly timeoutMs?: number;
}

/**
 * The child's environment: the test process's, without vitest's own variables (a child that sees them thinks it is
 * a worker), `overrides` applied, the guard in NODE_OPTIONS (after any --import a caller put there).
 */
export function builtCliEnv(overrides: Readonly<Record<string, string | undefined>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries({ ...process.env, ...overrides })) {
    if (value !== undefined && !key.startsWith('VITEST') && key !== 'TINYPOOL_WORKER_ID') env[key] = value;
  }
  return guardedEnv(env);
}

/** Runs `node dist/cli.js ...args`; never rejects for a non-zero exit, rejects when the child is killed (timeout). */
export function runBuiltCli(args: readonly string[], options: RunBuiltOptions): Promise<CliResult> {
  const cli = requireBuiltCli();
  const env = builtCliEnv(options.env);
  if (options.tty) return runOnTerminal([process.execPath, cli, ...args], options.cwd, env, options.timeoutMs);
  return run(process.execPath, [cli, ...args], { cwd: options.cwd, env, ...(options.stdin !== undefined ? { stdin: options.stdin } : {}), ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) });
}

/** Runs a command without a shell (any tool: kustomize, kpt, npm, the CLI); never rejects for a non-zero exit. */
export function run(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; stdin?: string | Buffer; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = execFile(command, [...args], { cwd: options.cwd, env: options.env, maxBuffer: 32 << 20, timeout: options.timeoutMs ?? 30_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        fail(new Error(`${command} ${args.join(' ')}: ${error.signal ? `killed by ${error.signal}` : error.message}; stderr: ${stderr}`));
        return;
      }
      done({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
    // A command that exits before reading stdin (usage errors) closes the pipe under us: its exit code says what happened.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.stdin ?? '');
  });
}

const quote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;

/** The command with a pseudo-terminal on stdin (`script` makes one); its stdout and stderr redirected to files. */
async function runOnTerminal(command: readonly string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<CliResult> {
  if (process.platform !== 'linux') throw new Error('a terminal on stdin needs util-linux script(1): Linux only');
  const dir = mkdtempSync(join(tmpdir(), 'imps-krm-tty-'));
  try {
    const out = join(dir, 'stdout');
    const err = join(dir, 'stderr');
    const line = `${command.map(quote).join(' ')} >${quote(out)} 2>${quote(err)}`;
    const code = await new Promise<number>((done, fail) => {
      // -e: script exits with the command's code; its own output (the terminal's) is not the command's.
      const child = execFile('script', ['-q', '-e', '-c', line, '/dev/null'], { cwd, env: { ...env, SHELL: '/bin/sh' }, timeout: timeoutMs }, (error) => {
        if (error && typeof error.code !== 'number') fail(new Error(`script(1): ${error.message}`));
        else done(error ? Number(error.code) : 0);
      });
      child.stdin?.on('error', () => undefined);
      child.stdin?.end();
    });
    return { code, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
