import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..');
/** The built CLI; BENCH_CLI points the start-up benches at another build (e.g. an older one, for before/after figures). */
export const cli = process.env['BENCH_CLI'] ?? join(repoRoot, 'dist', 'cli.js');
const probe = join(import.meta.dirname, 'rss-probe.mjs');

export interface Measured {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  maxRssMb: number;
}

/** Runs a Node script in a child process, timing it and reading its own peak RSS. */
export async function runNode(args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string; cwd?: string } = {}): Promise<Measured> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', probe, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  child.stdin.end(options.stdin ?? '');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wallMs = performance.now() - started;
  const stderr = Buffer.concat(err).toString();
  const rss = /__bench_max_rss_kb=(\d+)/.exec(stderr);
  return {
    code,
    stdout: Buffer.concat(out).toString(),
    stderr: stderr.replace(/\n?__bench_max_rss_kb=\d+\n/, ''),
    wallMs,
    maxRssMb: rss ? Number(rss[1]) / 1024 : Number.NaN,
  };
}

// Start-up figures are taken with NODE_EXTRA_CA_CERTS unset: Node 20 parses that file eagerly at start-up, which adds
// the same constant to every figure and flatters every ratio.
const { NODE_EXTRA_CA_CERTS: _ca, ...startupEnv } = process.env;

/** Median wall time of a command over `runs` runs after `warmup` runs (synchronous, nothing else running). */
export function medianMs(command: string, args: string[], options: { runs?: number; warmup?: number; input?: string; cwd?: string } = {}): number {
  const runs = options.runs ?? 15;
  const times: number[] = [];
  for (let i = 0; i < (options.warmup ?? 3) + runs; i++) {
    const started = performance.now();
    const result = spawnSync(command, args, { input: options.input ?? '', cwd: options.cwd ?? repoRoot, env: startupEnv, stdio: ['pipe', 'ignore', 'ignore'] });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${String(result.status)}`);
    if (i >= (options.warmup ?? 3)) times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export const fmt = (ms: number): string => `${ms.toFixed(0)} ms`;
