// deploy/ as users apply it (`kubectl kustomize`), including an overlay that moves the controller to another
// namespace and adds the expose-metrics component: the admission policies still judge the ServiceAccount the
// Deployment runs as, and /metrics stays on loopback unless the component is added.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { guardedEnv } from '../guard/child-env.js';
import { policiesOf, type Manifest } from '../admission/cel-policy.js';
import { create, serviceAccount, target } from '../admission/attempts.js';
import { REPO, run } from './cli-on-path.js';

interface Container {
  args: string[];
  ports: Array<{ name: string; containerPort: number }>;
  livenessProbe: { httpGet: { port: string } };
  readinessProbe: { httpGet: { port: string } };
}
type Rendered = Manifest & { spec: Record<string, unknown> };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imps-krm-deploy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function kustomize(path: string): Promise<Rendered[]> {
  const result = await run('kubectl', ['kustomize', path], { cwd: REPO, env: guardedEnv({ ...process.env }) });
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return parseAllDocuments(result.stdout).map((document) => document.toJS() as Rendered);
}

const one = (objects: Rendered[], kind: string, name?: string): Rendered => {
  const found = objects.filter((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
  expect(found, `${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0]!;
};
const container = (objects: Rendered[]): Container =>
  (one(objects, 'Deployment').spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!;

/** Whether the rendered policies judge a write made by the ServiceAccount the workload runs as. */
function judgesWorkload(objects: Rendered[], account: Rendered): string[] {
  const username = `system:serviceaccount:${account.metadata.namespace}:${account.metadata.name}`;
  const writes = [create(target({ type: 'Opaque' })), create(serviceAccount())].map((write) => ({ ...write, username }));
  return [...policiesOf(objects).values()].filter((policy) => writes.some((write) => policy.evaluate(write).applies)).map((policy) => policy.name).sort();
}

describe('deploy/ rendered by kubectl kustomize', () => {
  it('ships the admission policies bound with Deny, judging the controller ServiceAccount; metrics on loopback', async () => {
    const objects = await kustomize('deploy');
    const account = one(objects, 'ServiceAccount', 'imps-krm-controller');
    expect(account.metadata.namespace).toBe('imps-krm-system');
    expect(judgesWorkload(objects, account)).toEqual(['imps-krm-controller-secrets', 'imps-krm-controller-service-accounts']);
    expect(objects.filter((object) => object.kind === 'ValidatingAdmissionPolicyBinding').map((object) => object.metadata.name).sort()).toEqual([
      'imps-krm-controller-secrets',
      'imps-krm-controller-service-accounts',
    ]);
    const controller = container(objects);
    expect(controller.args.filter((arg) => arg.startsWith('--metrics-addr'))).toEqual([]);
    expect(controller.ports).toEqual([{ name: 'health', containerPort: 8081 }]);
    expect([controller.livenessProbe.httpGet.port, controller.readinessProbe.httpGet.port]).toEqual(['health', 'health']);
    expect(objects.some((object) => object.kind === 'Service')).toBe(false);
    expect(one(objects, 'NetworkPolicy').spec).toMatchObject({ policyTypes: ['Ingress'], ingress: [{ ports: [{ protocol: 'TCP', port: 8081 }] }] });
  });

  it('an overlay in another namespace with expose-metrics: policies still judge the controller; /metrics on :8080 for monitoring only', async () => {
    const overlay = join(dir, 'overlay');
    await mkdir(overlay);
    // kustomize refuses absolute paths to other kustomizations.
    const deploy = relative(overlay, join(REPO, 'deploy'));
    await writeFile(join(overlay, 'kustomization.yaml'), `namespace: platform\nresources: [${deploy}]\ncomponents: [${deploy}/expose-metrics]\n`);
    const objects = await kustomize(overlay);
    const account = one(objects, 'ServiceAccount', 'imps-krm-controller');
    expect(account.metadata.namespace).toBe('platform');
    expect(judgesWorkload(objects, account)).toEqual(['imps-krm-controller-secrets', 'imps-krm-controller-service-accounts']);
    const controller = container(objects);
    expect(controller.args).toContain('--metrics-addr=:8080');
    expect(controller.ports.map((port) => port.name).sort()).toEqual(['health', 'metrics']);
    expect(one(objects, 'Service', 'imps-krm-controller-metrics').spec).toMatchObject({ ports: [{ port: 8080, targetPort: 'metrics' }] });
    expect(one(objects, 'NetworkPolicy', 'imps-krm-controller-metrics').spec).toMatchObject({
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
    });
    one(objects, 'NetworkPolicy', 'imps-krm-controller');
  });

  it('expose-metrics in an overlay without namespace: its objects land in the controller namespace', async () => {
    const overlay = join(dir, 'plain');
    await mkdir(overlay);
    const deploy = relative(overlay, join(REPO, 'deploy'));
    await writeFile(join(overlay, 'kustomization.yaml'), `resources: [${deploy}]\ncomponents: [${deploy}/expose-metrics]\n`);
    const objects = await kustomize(overlay);
    for (const object of [one(objects, 'Service'), one(objects, 'NetworkPolicy', 'imps-krm-controller-metrics'), one(objects, 'Deployment')]) {
      expect(object.metadata.namespace, object.kind).toBe('imps-krm-system');
    }
  });

  it('deploy/acrpull as a component: the two CRDs, the flag, RBAC bound to the controller, its policies judging it', async () => {
    const overlay = join(dir, 'acrpull');
    await mkdir(overlay);
    const deploy = relative(overlay, join(REPO, 'deploy'));
    await writeFile(join(overlay, 'kustomization.yaml'), `resources: [${deploy}]\ncomponents: [${deploy}/acrpull]\n`);
    const objects = await kustomize(overlay);
    expect(objects.filter((object) => object.kind === 'CustomResourceDefinition').map((object) => object.metadata.name).sort()).toEqual([
      'acrpullbindings.acrpull.microsoft.com',
      'acrpullbindings.msi-acrpull.microsoft.com',
      'imagepullsecrets.images.banzaicloud.io',
    ]);
    expect(container(objects).args).toContain('--acr-pull-bindings');
    const account = one(objects, 'ServiceAccount', 'imps-krm-controller');
    const subjects = (one(objects, 'ClusterRoleBinding', 'imps-krm-controller-acrpull') as unknown as { subjects: Array<{ name: string; namespace: string }> }).subjects;
    expect(subjects).toEqual([{ kind: 'ServiceAccount', name: account.metadata.name, namespace: account.metadata.namespace }]);
    const username = `system:serviceaccount:${account.metadata.namespace}:${account.metadata.name}`;
    const token = { operation: 'CREATE' as const, username, resource: { group: '', version: 'v1', resource: 'serviceaccounts' }, subResource: 'token', kind: 'TokenRequest', namespace: 'team', name: 'puller', object: { spec: { audiences: ['x'] } }, oldObject: null };
    const judging = [...policiesOf(objects).values()].filter((policy) => policy.evaluate(token).applies).map((policy) => policy.name);
    expect(judging).toEqual(['imps-krm-controller-service-account-tokens']);
  });

  it('deploy/ecr-public-helper: the helper\'s namespace, ServiceAccount and CronJob, its policy judging that ServiceAccount', async () => {
    const objects = await kustomize('deploy/ecr-public-helper');
    const account = one(objects, 'ServiceAccount', 'sa-secrets-editor');
    expect(account.metadata.namespace).toBe('ecr-public-creds-helper');
    expect(one(objects, 'CronJob', 'ecr-public-creds-helper').metadata.namespace).toBe('ecr-public-creds-helper');
    expect(judgesWorkload(objects, account)).toEqual(['imps-krm-ecr-public-helper-secrets']);
  });

  it('deploy/refresh-cronjob ships its policy, judging the refresher ServiceAccount', async () => {
    const objects = await kustomize('deploy/refresh-cronjob');
    const account = one(objects, 'ServiceAccount', 'imps-krm-refresh');
    expect(judgesWorkload(objects, account)).toEqual(['imps-krm-refresh-secrets']);
  });
});
