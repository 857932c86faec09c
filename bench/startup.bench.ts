// Start-up, side by side in one run (issue 12), NODE_EXTRA_CA_CERTS and NODE_OPTIONS unset (Node 20 parses the CA
// file eagerly at start-up, which adds the same constant to every figure and flatters every ratio):
// - `node -e 0`;
// - the yaml-only floor: a bundled read-`parseDocument`-write function (bench/floor/yaml-floor.ts);
// - `imps-krm fn` cold (an empty code cache: the first run on a machine, which also writes the cache) and warm;
// - `imps-krm render` in input mode and in live mode against a tiny fake cluster holding the same objects.
// Targets: warm fn <= 1.0x the floor; live render <= 1.3x input render.
// Run on a given Node line: scripts/with-node.sh 26 npm run bench -- startup
// BENCH_INSTRUCTIONS=1 also counts the instructions each subject executes (valgrind's cachegrind, one run each after
// the timed ones): slower, but the same on a busy machine, where wall times of 2-core neighbours swing by 2x.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { parseAllDocuments } from 'yaml';
import { startFakeKubeApi, type KubeObject } from '../test/fakes/kube-api-server.js';
import { cli, fmt, repoRoot } from './measure.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 21);
const WARMUP = 3;
const example = join(repoRoot, 'examples', 'basic');
const resourceList = readFileSync(join(repoRoot, 'test', 'fixtures', 'fn', 'kpt-package', 'resource-list.yaml'), 'utf8');

/**
 * The example's stand-ins, as a cluster would hold them: Namespaces (with the two the spec names, which input mode
 * takes on trust), the source Secret, one Pod of the Deployment.
 */
function clusterObjects(): KubeObject[] {
  const read = (file: string): Record<string, unknown>[] =>
    parseAllDocuments(readFileSync(join(example, file), 'utf8')).map((doc) => doc.toJS() as Record<string, unknown>);
  const secret = read('source-secret.yaml')[0] as KubeObject & { stringData: Record<string, string> };
  const { stringData, ...rest } = secret;
  return [
    ...(read('namespaces.yaml') as KubeObject[]),
    ...['backyards-system', 'cert-manager'].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    { ...rest, data: Object.fromEntries(Object.entries(stringData).map(([key, value]) => [key, Buffer.from(value).toString('base64')])) },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web' }, annotations: { 'sidecar.istio.io/inject': 'true' } },
      spec: { containers: [{ name: 'web', image: 'docker.io/library/nginx:1.27' }] },
    },
  ];
}

interface Subject {
  readonly label: string;
  readonly args: readonly string[];
  readonly stdin?: string;
  /** Runs before each timed run, untimed (e.g. emptying the code cache for a cold run). */
  readonly before?: () => void;
  readonly env?: NodeJS.ProcessEnv;
}

/** The first stderr line of a subject that wrote any (printed after the figures: it may cost time). */
const stderrNotes = new Map<string, string>();

function timed(subject: Subject, env: NodeJS.ProcessEnv, wrapper: readonly string[] = []): Promise<number> {
  subject.before?.();
  const started = performance.now();
  const [command, ...args] = [...wrapper, process.execPath, ...subject.args];
  const child = spawn(command!, args, { cwd: repoRoot, env: { ...env, ...subject.env }, stdio: ['pipe', 'ignore', 'pipe'] });
  const err: Buffer[] = [];
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  child.stdin.end(subject.stdin ?? '');
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      const elapsed = performance.now() - started;
      const stderr = Buffer.concat(err).toString();
      if (code !== 0) reject(new Error(`${subject.label} exited ${String(code)}: ${stderr}`));
      const instructions = /I\s+refs:\s+([\d,]+)/.exec(stderr);
      if (instructions) resolve(Number(instructions[1]!.replaceAll(',', '')));
      else {
        if (stderr !== '') stderrNotes.set(subject.label, stderr.split('\n')[0]!);
        resolve(elapsed);
      }
    }),
  );
}

const scratch = mkdtempSync(join(tmpdir(), 'imps-krm-bench-startup-'));
const kube = await startFakeKubeApi({ objects: clusterObjects() });
try {
  const floor = join(scratch, 'yaml-floor.cjs');
  await build({ entryPoints: [join(import.meta.dirname, 'floor', 'yaml-floor.ts')], outfile: floor, bundle: true, platform: 'node', format: 'cjs', minify: true, logLevel: 'warning' });
  const { NODE_EXTRA_CA_CERTS: _ca, NODE_OPTIONS: _options, ...base } = process.env;
  const warmCache = join(scratch, 'warm-cache');
  const coldCache = join(scratch, 'cold-cache');
  const env = { ...base, KUBECONFIG: join(scratch, 'no-kubeconfig'), XDG_CACHE_HOME: warmCache };
  const subjects: Subject[] = [
    { label: 'node -e 0', args: ['-e', '0'] },
    { label: 'yaml-only floor', args: [floor], stdin: resourceList },
    { label: 'fn cold', args: [cli, 'fn'], stdin: resourceList, env: { XDG_CACHE_HOME: coldCache }, before: () => rmSync(coldCache, { recursive: true, force: true }) },
    { label: 'fn warm', args: [cli, 'fn'], stdin: resourceList },
    { label: 'render input', args: [cli, 'render', '-f', example, '--cluster', 'input'] },
    { label: 'render live', args: [cli, 'render', '-f', example, '--cluster', 'live', '--kubeconfig', kube.kubeconfigPath] },
  ];
  // Interleaved, run by run, so drift on a shared machine hits every subject alike.
  const times = subjects.map((): number[] => []);
  for (let i = 0; i < WARMUP + RUNS; i++) {
    for (const [index, subject] of subjects.entries()) {
      const elapsed = await timed(subject, env);
      if (i >= WARMUP) times[index]!.push(elapsed);
    }
  }
  const [bare, yamlFloor, fnCold, fnWarm, input, live] = times.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)]!) as [number, number, number, number, number, number];
  const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
  console.log(`start-up on Node ${process.version}, median of ${RUNS} interleaved runs, NODE_EXTRA_CA_CERTS unset`);
  console.log(`  node -e 0                      ${fmt(bare)}`);
  console.log(`  yaml-only floor                ${fmt(yamlFloor)}   ${ratio(yamlFloor, bare)} node -e 0`);
  console.log(`  fn cold (empty code cache)     ${fmt(fnCold)}   ${ratio(fnCold, yamlFloor)} floor`);
  console.log(`  fn warm                        ${fmt(fnWarm)}   ${ratio(fnWarm, yamlFloor)} floor   (target <= 1.00x)`);
  console.log(`  render --cluster input         ${fmt(input)}   ${ratio(input, bare)} node -e 0`);
  console.log(`  render --cluster live (tiny)   ${fmt(live)}   ${ratio(live, input)} input   (target <= 1.30x)`);
  for (const [label, line] of stderrNotes) console.log(`  note: ${label} wrote to stderr: ${line}`);
  if (process.env['BENCH_INSTRUCTIONS'] === '1') {
    const cachegrind = ['valgrind', '--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null'];
    const counts: number[] = [];
    for (const subject of subjects) counts.push(await timed(subject, env, cachegrind));
    const [iBare, iFloor, iCold, iWarm, iInput, iLive] = counts as [number, number, number, number, number, number];
    const m = (n: number): string => `${(n / 1e6).toFixed(0)} M`;
    console.log('instructions executed (valgrind cachegrind, one run each)');
    console.log(`  node -e 0                      ${m(iBare)}`);
    console.log(`  yaml-only floor                ${m(iFloor)}   ${ratio(iFloor, iBare)} node -e 0`);
    console.log(`  fn cold (empty code cache)     ${m(iCold)}   ${ratio(iCold, iFloor)} floor`);
    console.log(`  fn warm                        ${m(iWarm)}   ${ratio(iWarm, iFloor)} floor   (target <= 1.00x)`);
    console.log(`  render --cluster input         ${m(iInput)}   ${ratio(iInput, iBare)} node -e 0`);
    console.log(`  render --cluster live (tiny)   ${m(iLive)}   ${ratio(iLive, iInput)} input   (target <= 1.30x)`);
  }
} finally {
  await kube.close();
  rmSync(scratch, { recursive: true, force: true });
}
