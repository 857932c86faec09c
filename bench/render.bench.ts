// Issue "Core renderer": one render over a 10,000-namespace / 100,000-pod fake cluster, and the cold start of
// `render` in input mode next to `node -e 0`. Prints figures; the README's Performance section quotes them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startFakeAws } from '../test/fakes/aws-server.js';
import { generatedRules, startFakeKubeApi } from '../test/fakes/kube-api-server.js';
import { cli, fmt, medianMs, repoRoot, runNode } from './measure.js';

const NAMESPACES = 10_000;
const PODS_PER_NAMESPACE = 10;

const secret = (name: string, type: string, stringData: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'registry-access' },
  type,
  data: Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
});

const imps = {
  apiVersion: 'images.banzaicloud.io/v1alpha1',
  kind: 'ImagePullSecret',
  metadata: { name: 'bench' },
  spec: {
    registry: {
      credentials: ['hub', 'ecr-a', 'ecr-b', 'ecr-c'].map((name) => ({ name, namespace: 'registry-access' })),
    },
    target: {
      secret: { name: 'pull' },
      namespaces: {
        names: ['ns-00001', 'ns-00002', 'ns-09999'],
        labels: [{ matchLabels: { team: 'alpha', env: 'prod' } }, { matchExpressions: [{ key: 'istio.io/rev', operator: 'Exists' }] }],
        annotations: [{ matchAnnotations: { 'sidecar.istio.io/inject': 'true' } }],
      },
      namespacesWithPods: {
        labels: [{ matchExpressions: [{ key: 'app', operator: 'In', values: ['no-such-app'] }] }],
        annotations: [{ matchAnnotations: { 'sidecar.istio.io/inject': 'true' } }],
      },
      excludeNamespaces: ['ns-0000?'],
    },
  },
};

function expectedSelection(): number {
  let count = 0;
  const names = new Set(imps.spec.target.namespaces.names);
  for (let i = 0; i < NAMESPACES; i++) {
    const name = `ns-${String(i).padStart(5, '0')}`;
    if (/^ns-0000.$/.test(name)) continue;
    const podMatch = PODS_PER_NAMESPACE > 0 && generatedRules.podAnnotatedForInjection(i, 0);
    if (
      names.has(name) ||
      (generatedRules.team(i) === 'alpha' && generatedRules.env(i) === 'prod') ||
      generatedRules.namespaceHasIstioRev(i) ||
      generatedRules.namespaceAnnotatedForInjection(i) ||
      podMatch
    )
      count++;
  }
  return count;
}

const kube = await startFakeKubeApi({
  generate: { namespaces: NAMESPACES, podsPerNamespace: PODS_PER_NAMESPACE },
  objects: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'registry-access' } },
    secret('hub', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': JSON.stringify({ auths: { 'ghcr.io': { username: 'bench', password: 'bench-password' } } }) }),
    secret('ecr-a', 'banzaicloud.io/aws-ecr-login-config', { accessKeyID: 'AKIABENCH1', secretKey: 's1', region: 'eu-west-1', accountID: '111111111111' }),
    secret('ecr-b', 'banzaicloud.io/aws-ecr-login-config', { accessKeyID: 'AKIABENCH1', secretKey: 's1', region: 'eu-west-1', accountID: '222222222222' }),
    secret('ecr-c', 'banzaicloud.io/aws-ecr-login-config', { accessKeyID: 'AKIABENCH2', secretKey: 's2', region: 'us-east-1', accountID: '333333333333' }),
  ],
});
const aws = await startFakeAws();
try {
  const dir = mkdtempSync(join(tmpdir(), 'imps-bench-'));
  writeFileSync(join(dir, 'imps.yaml'), stringify(imps));
  kube.resetRequests();
  const run = await runNode([cli, 'render', '-f', join(dir, 'imps.yaml'), '--cluster', 'live', '--kubeconfig', kube.kubeconfigPath], {
    env: { ...aws.env(), AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  if (run.code !== 0) throw new Error(`render failed (${String(run.code)}): ${run.stderr}`);
  const rendered = (run.stdout.match(/^kind: Secret$/gm) ?? []).length;
  const byKind = new Map<string, number>();
  for (const request of kube.requests) {
    const kind = `${request.method} ${request.path.replace(/\/namespaces\/[^/]+\/secrets\/[^/]+$/, '/namespaces/*/secrets/*')}${request.query['limit'] ? ' (page)' : ''}`;
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  console.log(`render over ${NAMESPACES.toLocaleString('en')} namespaces / ${(NAMESPACES * PODS_PER_NAMESPACE).toLocaleString('en')} pods (live, fake API server)`);
  console.log(`  wall time            ${fmt(run.wallMs)}   (target <= 2000 ms)`);
  console.log(`  peak RSS             ${run.maxRssMb.toFixed(0)} MB   (target <= 256 MB)`);
  console.log(`  Secrets rendered     ${rendered}   (expected ${expectedSelection()})`);
  console.log(`  API requests         ${kube.requests.length}`);
  for (const [kind, count] of [...byKind].sort()) console.log(`    ${String(count).padStart(5)}  ${kind}`);
  console.log(`  token calls          ${aws.calls.length}   (distinct credentials: 2)`);
} finally {
  await kube.close();
  await aws.close();
}

const baseline = medianMs(process.execPath, ['-e', '0']);
const render = medianMs(process.execPath, [cli, 'render', '-f', 'examples/basic', '--cluster', 'input'], { cwd: repoRoot });
console.log('cold start, median of 15 (input mode, examples/basic)');
console.log(`  node -e 0            ${fmt(baseline)}`);
console.log(`  imps-krm render      ${fmt(render)}   ${(render / baseline).toFixed(2)}x   (target <= 2x)`);
