// Start-up of a live render next to the same render in input mode (issue 12: live at most 1.3x input), on
// examples/basic, against a tiny fake cluster holding the same objects. NODE_EXTRA_CA_CERTS is unset: Node 20
// parses that file eagerly at start-up, which adds the same constant to every figure and flatters every ratio.
// Run: npm run build && npx tsx bench/startup-live.bench.ts
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startFakeKubeApi, type KubeObject } from '../test/fakes/kube-api-server.js';
import { cli, fmt, repoRoot } from './measure.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 21);
const WARMUP = 3;
const example = join(repoRoot, 'examples', 'basic');

/** The example's stand-ins, as a cluster would hold them: Namespaces, the source Secret, one Pod of the Deployment. */
function clusterObjects(): KubeObject[] {
  const read = (file: string): Record<string, unknown>[] =>
    parseAllDocuments(readFileSync(join(example, file), 'utf8')).map((doc) => doc.toJS() as Record<string, unknown>);
  const secret = read('source-secret.yaml')[0] as KubeObject & { stringData: Record<string, string> };
  const { stringData, ...rest } = secret;
  return [
    ...(read('namespaces.yaml') as KubeObject[]),
    { ...rest, data: Object.fromEntries(Object.entries(stringData).map(([key, value]) => [key, Buffer.from(value).toString('base64')])) },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web' }, annotations: { 'sidecar.istio.io/inject': 'true' } },
      spec: { containers: [{ name: 'web', image: 'docker.io/library/nginx:1.27' }] },
    },
  ];
}

function timed(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [...args], { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const err: Buffer[] = [];
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      const elapsed = performance.now() - started;
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${String(code)}: ${Buffer.concat(err).toString()}`));
      else resolve(elapsed);
    }),
  );
}

const kube = await startFakeKubeApi({ objects: clusterObjects() });
// Real clusters speak TLS: the handshake and node:https/tls are part of a live render's start-up too.
const kubeTls = await startFakeKubeApi({ objects: clusterObjects(), tls: true });
try {
  const { NODE_EXTRA_CA_CERTS: _unset, ...base } = process.env;
  const env = { ...base, KUBECONFIG: join(repoRoot, 'no-such-kubeconfig') };
  const subjects: { label: string; args: string[] }[] = [
    { label: 'node -e 0', args: ['-e', '0'] },
    { label: 'render (input)', args: [cli, 'render', '-f', example, '--cluster', 'input'] },
    { label: 'render (live, tiny cluster)', args: [cli, 'render', '-f', example, '--cluster', 'live', '--kubeconfig', kube.kubeconfigPath] },
    { label: 'render (live, tiny cluster, TLS)', args: [cli, 'render', '-f', example, '--cluster', 'live', '--kubeconfig', kubeTls.kubeconfigPath] },
  ];
  // Interleaved, run by run, so drift on a shared machine hits every subject alike.
  const times = subjects.map((): number[] => []);
  for (let i = 0; i < WARMUP + RUNS; i++) {
    for (const [index, subject] of subjects.entries()) {
      const elapsed = await timed(subject.args, env);
      if (i >= WARMUP) times[index]!.push(elapsed);
    }
  }
  const [bare, input, live, liveTls] = times.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)]!) as [number, number, number, number];
  console.log(`start-up, median of ${RUNS} interleaved runs, NODE_EXTRA_CA_CERTS unset (examples/basic)`);
  console.log(`  node -e 0                     ${fmt(bare)}`);
  console.log(`  render --cluster input        ${fmt(input)}   ${(input / bare).toFixed(2)}x node -e 0`);
  console.log(`  render --cluster live (tiny)  ${fmt(live)}   ${(live / input).toFixed(2)}x input   (target <= 1.3x)`);
  console.log(`  the same over TLS             ${fmt(liveTls)}   ${(liveTls / input).toFixed(2)}x input   (${kubeTls.tls ? 'https' : 'no openssl: http'})`);
} finally {
  await kube.close();
  await kubeTls.close();
}
