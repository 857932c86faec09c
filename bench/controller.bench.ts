// Controller benchmark: the built CLI's `controller` in a child process (so RSS is its own) against the fake API
// server holding 10,000 generated namespaces (2 pods each) and the fake ECR. Prints figures; asserts nothing.
//   npx tsx bench/controller.bench.ts            (npm run build first)
//   BENCH_REST_SECONDS=60 to measure requests at rest over a full minute (default 30).
//   BENCH_NODE_OPTIONS='' to measure without the Deployment's V8 flags.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeAws } from '../test/fakes/aws-server.js';
import { generatedCounts, startFakeKubeApi, type KubeObject } from '../test/fakes/kube-api-server.js';

const NAMESPACES = Number(process.env['BENCH_NAMESPACES'] ?? 10_000);
const PODS = 2;
/** What deploy/controller/deployment.yaml sets: a small young generation keeps RSS near the live heap. */
const NODE_FLAGS = (process.env['BENCH_NODE_OPTIONS'] ?? '--max-semi-space-size=1 --max-old-space-size=96').split(' ').filter(Boolean);
const REST_SECONDS = Number(process.env['BENCH_REST_SECONDS'] ?? 30);
const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');
const b64 = (text: string): string => Buffer.from(text).toString('base64');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const objects: KubeObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'creds' } },
  {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 'ecr', namespace: 'creds' }, type: 'banzaicloud.io/aws-ecr-login-config',
    data: { accountID: b64('123456789012'), region: b64('us-east-1'), accessKeyID: b64('AKIDBENCH'), secretKey: b64('bench-secret') },
  },
  {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hub', namespace: 'creds' }, type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { 'r.example': { auth: b64('robot:pw') } } })) },
  },
  {
    apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', metadata: { name: 'team-alpha' },
    spec: { registry: { credentials: [{ namespace: 'creds', name: 'ecr' }, { namespace: 'creds', name: 'hub' }] }, target: { secret: { name: 'regcred' }, namespaces: { labels: [{ matchLabels: { team: 'alpha' } }] } } },
  },
  {
    apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', metadata: { name: 'istio-pods' },
    spec: { registry: { credentials: [{ namespace: 'creds', name: 'ecr' }] }, target: { secret: { name: 'istio-pull' }, namespacesWithPods: { annotations: [{ matchAnnotations: { 'sidecar.istio.io/inject': 'true' } }] } } },
  },
];

function peakRss(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

const kube = await startFakeKubeApi({ generate: { namespaces: NAMESPACES, podsPerNamespace: PODS }, objects, bookmarkIntervalMs: 60_000 });
const aws = await startFakeAws();
const counts = generatedCounts({ namespaces: NAMESPACES, podsPerNamespace: PODS });
const expected = counts.namespacesByTeam['alpha'] ?? 0;
const started = Date.now();
const METRICS_PORT = 18000 + Math.floor(Math.random() * 1000);
const child = spawn(process.execPath, [...NODE_FLAGS, CLI, 'controller', '--kubeconfig', kube.kubeconfigPath, '--metrics-addr', `127.0.0.1:${METRICS_PORT}`, '--log-level', 'warn'], {
  env: { ...process.env, ...aws.env(), AWS_EC2_METADATA_DISABLED: 'true', AWS_ACCESS_KEY_ID: '', KUBERNETES_SERVICE_HOST: '' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
try {
  const written = (): number => kube.list('v1', 'Secret').filter((secret) => secret.metadata.name === 'regcred').length;
  while (written() < expected) await sleep(50);
  const pods = () => kube.list('v1', 'Secret').filter((secret) => secret.metadata.name === 'istio-pull').length;
  while (pods() < counts.namespacesWithAnnotatedPods) await sleep(50);
  const initialMs = Date.now() - started;
  await sleep(2000);

  const latencies: number[] = [];
  for (let i = 0; i < 10; i++) {
    const name = `bench-new-${i}`;
    const t0 = performance.now();
    kube.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { team: 'alpha' } } });
    while (!kube.get('v1', 'Secret', 'regcred', name)) await sleep(2);
    latencies.push(performance.now() - t0);
    await sleep(200);
  }
  latencies.sort((a, b) => a - b);

  await sleep(1000);
  kube.resetRequests();
  await sleep(REST_SECONDS * 1000);
  const atRest = kube.requests.length;
  const watches = kube.requests.filter((request) => request.query['watch'] === '1' || request.query['watch'] === 'true').length;
  const memory = peakRss(child.pid!);
  const metrics = await (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).text();
  const metric = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(metrics)?.[1] ?? NaN) / 1048576;

  console.log(`controller bench: ${NAMESPACES} namespaces, ${NAMESPACES * PODS} pods, 2 ImagePullSecrets (${expected} + ${counts.namespacesWithAnnotatedPods} target Secrets)`);
  console.log(`  node flags: ${NODE_FLAGS.join(' ') || '(none)'}`);
  console.log(`  initial sync + all Secrets written: ${(initialMs / 1000).toFixed(1)} s (includes process start)`);
  console.log(`  new matching namespace -> Secret: median ${latencies[5]!.toFixed(0)} ms, max ${latencies[9]!.toFixed(0)} ms (10 runs; target <= 1000 ms)`);
  console.log(`  RSS steady state: ${memory.rssMb.toFixed(0)} MB, peak (VmHWM) ${memory.peakMb.toFixed(0)} MB (target <= 100 MB)`);
  console.log(`  heap used ${metric('imps_krm_nodejs_heap_size_used_bytes').toFixed(0)} MB of ${metric('imps_krm_nodejs_heap_size_total_bytes').toFixed(0)} MB, external ${metric('imps_krm_nodejs_external_memory_bytes').toFixed(0)} MB`);
  console.log(`  API requests at rest: ${((atRest * 60) / REST_SECONDS).toFixed(1)}/min over ${REST_SECONDS} s, of which watches ${watches} (target: watches only)`);
  console.log(`  ECR calls in total: ${aws.calls.filter((call) => call.service === 'ecr').length} (one per distinct credential)`);
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  await Promise.all([kube.close(), aws.close()]);
}
