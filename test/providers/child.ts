import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { guardedEnv } from '../guard/child-env.js';
import { runBuiltCli } from '../support/run-built-cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** By absolute URL: children may run in a temp folder, where a bare `tsx` would not resolve. */
const TSX = pathToFileURL(`${ROOT}/node_modules/tsx/dist/loader.mjs`).href;

/** Runs a TypeScript entry under tsx with the loopback guard preloaded; resolves with stdout and stderr. */
export function runTs(
  entry: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
  options: { cwd?: string; input?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', TSX, fileURLToPath(new URL(entry, `file://${ROOT}/`)), ...args],
      { cwd: options.cwd ?? ROOT, env: guardedEnv(cleanEnv({ ...process.env, ...env })), timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** The BUILT CLI (dist/cli.js), through the one helper every face test uses; cwd defaults to the checkout. */
export function runBuilt(
  args: readonly string[],
  env: Record<string, string | undefined>,
  options: { cwd?: string; input?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runBuiltCli(args, { cwd: options.cwd ?? ROOT, env, timeoutMs: 60_000, ...(options.input !== undefined ? { stdin: options.input } : {}) });
}

/** `undefined` deletes a variable; vitest's own variables would make the child think it is a worker. */
function cleanEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !key.startsWith('VITEST') && key !== 'TINYPOOL_WORKER_ID') out[key] = value;
  }
  return out;
}
