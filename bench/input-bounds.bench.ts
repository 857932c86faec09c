// Issue 8 (bounds): peak RSS and wall time of the BUILT CLI on the most expensive inputs each limit still admits
// (test/bounds/worst-inputs.ts), for `cmp generate` (the Argo CD sidecar: 256Mi limit), `render` and `fn`.
// Run alone: `npm run -s build && npx tsx bench/input-bounds.bench.ts [name-filter]`.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { worstInputs, type WorstInput } from '../test/bounds/worst-inputs.js';
import { cli } from './measure.js';

/**
 * Peak RSS through /usr/bin/time, not the rss-probe of measure.ts: Linux keeps a process's peak RSS across exec, so a
 * child forked from this (large) process reports at least this process's size. /usr/bin/time is small.
 */
async function runNode(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; stdin?: string }): Promise<{ code: number | null; stderr: string; maxRssMb: number; wallMs: number }> {
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', '__max_rss_kb=%M', process.execPath, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'ignore', 'pipe'] });
  const err: Buffer[] = [];
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  child.stdin.on('error', () => undefined); // a refused input is not read to the end
  child.stdin.end(options.stdin ?? '');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const stderr = Buffer.concat(err).toString();
  const rss = /__max_rss_kb=(\d+)/.exec(stderr);
  return {
    code,
    stderr: stderr.replace(/(Command exited with non-zero status \d+\n)?__max_rss_kb=\d+\n?/, ''),
    maxRssMb: rss ? Number(rss[1]) / 1024 : Number.NaN,
    wallMs: performance.now() - started,
  };
}

function writeApp(app: WorstInput): string {
  const dir = mkdtempSync(join(tmpdir(), `imps-krm-bounds-${app.name}-`));
  for (const [path, text] of Object.entries(app.files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const only = process.argv[2];
const env = { ARGOCD_ENV_CLUSTER: 'input', KUBECONFIG: join(tmpdir(), 'imps-krm-no-kubeconfig') };
const baseline = await runNode(['-e', '0'], { cwd: tmpdir(), env: {} });
console.log(`node -e 0: ${baseline.maxRssMb.toFixed(0)} MB`);
console.log('| input | units, bytes | face | exit | peak RSS | wall |');
console.log('|---|---|---|---|---|---|');
for (const app of worstInputs(undefined, only)) {
  const dir = writeApp(app);
  const bytes = Object.values(app.files).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
  try {
    const runs = [
      ['cmp generate', await runNode([cli, 'cmp', 'generate'], { cwd: dir, env })],
      ['render', await runNode([cli, 'render', '-f', '.', '--cluster', 'input'], { cwd: dir, env })],
      ['fn', await runNode([cli, 'fn'], { cwd: dir, env, stdin: app.resourceList })],
    ] as const;
    for (const [face, result] of runs) {
      const firstError = result.code === 0 ? '' : ` ${result.stderr.split('\n')[0]?.slice(0, 160) ?? ''}`;
      const size = face === 'fn' ? `${app.resourceListDescription}, ${(Buffer.byteLength(app.resourceList) / 1048576).toFixed(2)} MiB` : `${app.filesDescription}, ${(bytes / 1048576).toFixed(2)} MiB`;
      console.log(`| ${app.name}: ${app.description} | ${size} | ${face} | ${result.code}${firstError} | ${result.maxRssMb.toFixed(0)} MB | ${(result.wallMs / 1000).toFixed(1)} s |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
