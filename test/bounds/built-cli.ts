// Runs the BUILT CLI (dist/cli.js) as a child, the way Argo CD, kustomize and kpt do, and reads its peak RSS from
// /usr/bin/time: a child's own getrusage() would count the memory of the (large) test process it was forked from,
// because Linux keeps the peak across exec. Used by the memory, large-app and fuzz tests.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BUILT_CLI } from '../e2e/cli-on-path.js';
import { guardedEnv } from '../guard/child-env.js';

export const TIME = '/usr/bin/time';
/** The bundle under test; a long fuzz run points this at a copy, so that a rebuild meanwhile changes nothing. */
const CLI = process.env['IMPS_KRM_BUILT_CLI'] ?? BUILT_CLI;
export const HAS_TIME = existsSync(TIME);

export interface BuiltRun {
  /** The exit code; a signal (a crash, a kill on timeout) is -1. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly peakMiB: number;
}

/** `node dist/cli.js ...args` in `cwd`, stdin from `stdin`, under the loopback-only guard. */
export function runBuilt(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: string | Buffer; timeoutMs?: number }): Promise<BuiltRun> {
  return new Promise((done) => {
    const child = spawn(TIME, ['-f', '__peak_kb=%M', process.execPath, CLI, ...args], {
      cwd: options.cwd,
      env: guardedEnv({ PATH: process.env['PATH'], HOME: options.cwd, ...options.env }),
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.stdin.on('error', () => undefined); // a refused input is not read to the end
    child.stdin.end(options.stdin ?? '');
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString();
      const peak = /__peak_kb=(\d+)/.exec(stderr);
      // /usr/bin/time reports a child killed by a signal as "Command terminated by signal N".
      const signalled = /Command terminated by signal \d+/.test(stderr);
      done({
        code: signalled || code === null ? -1 : code,
        stdout: Buffer.concat(out).toString(),
        stderr: stderr.replace(/(Command (exited with non-zero status \d+|terminated by signal \d+)\n)?__peak_kb=\d+\n?/, ''),
        peakMiB: peak ? Number(peak[1]) / 1024 : Number.NaN,
      });
    });
  });
}
