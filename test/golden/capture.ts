import { PassThrough, Writable } from 'node:stream';
import type { Stdio } from '../../src/io/stdio.js';

/** In-memory stdio for running a face in-process. */
export function captureStdio(options: { stdin?: string; cwd: string; env?: NodeJS.ProcessEnv }): {
  stdio: Stdio;
  stdout: () => string;
  stderr: () => string;
} {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]): Writable =>
    new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        into.push(chunk.toString());
        callback();
      },
    });
  const stdin = new PassThrough();
  stdin.end(options.stdin ?? '');
  return {
    stdio: { stdin, stdout: sink(out), stderr: sink(err), env: options.env ?? { ...process.env }, cwd: options.cwd },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}
