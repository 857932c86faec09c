// Start-up of the KRM function, the cost kustomize and kpt pay once per render (no assertions, figures only):
// - `node dist/cli.js fn` on a small ResourceList (input mode, docker-config source) next to `node -e 0`,
//   interleaved in the same run (target: at most 1.5x), with a warm code cache (bench/startup.bench.ts has cold,
//   warm and the yaml-only floor side by side);
// - the same through `kpt fn eval --exec imps-krm` next to `kpt fn eval --exec /bin/cat`;
// - the JavaScript the fn path loads before any lazy import, to spot a heavy import pulled into it.
// Run: npm run build && npx tsx bench/fn.bench.ts
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { cli, fmt, repoRoot } from './measure.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 21);
const WARMUP = 3;
const input = readFileSync(join(repoRoot, 'test', 'fixtures', 'fn', 'kpt-package', 'resource-list.yaml'), 'utf8');
const sandbox = mkdtempSync(join(tmpdir(), 'imps-krm-bench-'));
mkdirSync(join(sandbox, 'bin'));
symlinkSync(cli, join(sandbox, 'bin', 'imps-krm'));
// No kubeconfig: `auto` must not even look at a cluster here (the fixture says cluster: input anyway).
// NODE_EXTRA_CA_CERTS unset: Node 20 parses that file eagerly at start-up, which flatters every ratio.
const { NODE_EXTRA_CA_CERTS: _ca, ...base } = process.env;
const env = { ...base, PATH: `${join(sandbox, 'bin')}${delimiter}${process.env['PATH'] ?? ''}`, KUBECONFIG: join(sandbox, 'none'), XDG_CACHE_HOME: join(sandbox, 'cache') };

interface Subject {
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly input?: string;
  readonly cwd?: string;
}

/** Median wall time per subject, the subjects alternating run by run so drift hits them all alike. */
function interleaved(subjects: readonly Subject[], runs: number): number[] {
  const times = subjects.map((): number[] => []);
  for (let i = 0; i < WARMUP + runs; i++) {
    subjects.forEach((subject, index) => {
      const started = performance.now();
      const result = spawnSync(subject.command, [...subject.args], { input: subject.input ?? '', cwd: subject.cwd ?? repoRoot, env, stdio: ['pipe', 'ignore', 'pipe'] });
      const elapsed = performance.now() - started;
      if (result.status !== 0) throw new Error(`${subject.label} exited ${String(result.status)}: ${result.stderr.toString()}`);
      if (i >= WARMUP) times[index]!.push(elapsed);
    });
  }
  return times.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)]!);
}

/** Bytes of JavaScript the launcher loads before fn runs: itself and the bundle (no chunk on this path). */
function startupFiles(): { files: number; bytes: number } {
  const files = [cli, join(dirname(cli), 'imps-krm.cjs')];
  return { files: files.length, bytes: files.reduce((sum, file) => sum + statSync(file).size, 0) };
}

try {
  const closure = startupFiles();
  console.log(`fn path loads ${closure.files} files, ${(closure.bytes / 1024).toFixed(0)} KiB of JavaScript (before any lazy import)`);

  const [bare, fn] = interleaved(
    [
      { label: 'node -e 0', command: process.execPath, args: ['-e', '0'] },
      { label: 'imps-krm fn', command: process.execPath, args: [cli, 'fn'], input },
    ],
    RUNS,
  );
  console.log(`node -e 0:                        ${fmt(bare!)}`);
  console.log(`node dist/cli.js fn (input mode): ${fmt(fn!)}  = ${(fn! / bare!).toFixed(2)}x node -e 0 (target <= 1.5x)`);

  const pkg = join(sandbox, 'pkg');
  cpSync(join(repoRoot, 'kustomize-plugin', 'kpt-package'), pkg, { recursive: true });
  const kpt = spawnSync('kpt', ['version'], { env }).status === 0;
  if (!kpt) {
    console.log('kpt not found: skipped the kpt figures');
  } else {
    const kptRuns = Math.max(5, Math.floor(RUNS / 2));
    const [cat, ours] = interleaved(
      [
        { label: 'kpt /bin/cat', command: 'kpt', args: ['fn', 'eval', pkg, '--exec', '/bin/cat', '-o', 'unwrap'], cwd: sandbox },
        { label: 'kpt imps-krm', command: 'kpt', args: ['fn', 'eval', pkg, '--exec', 'imps-krm', '-o', 'unwrap', '--', 'cluster=input'], cwd: sandbox },
      ],
      kptRuns,
    );
    console.log(`kpt fn eval --exec /bin/cat:      ${fmt(cat!)}`);
    console.log(`kpt fn eval --exec imps-krm:      ${fmt(ours!)}  (+${fmt(ours! - cat!)})`);
  }
} finally {
  rmSync(sandbox, { recursive: true, force: true });
}
