// The deploy/ folders as users consume them: from a kustomization of their own, often with `namespace:` to move
// everything. RBAC bindings must follow the ServiceAccount wherever it lands, or the controller runs without its
// rights (a subject's namespace written out in a base stays behind when an overlay moves the ServiceAccount).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KUSTOMIZE } from '../e2e/cli-on-path.js';

const REPO = join(import.meta.dirname, '..', '..');
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
const renderers: Array<[string, string[]]> = [
  ['kustomize 4.5.4 build', [KUSTOMIZE, 'build']],
  ...(kubectl ? [['kubectl kustomize', ['kubectl', 'kustomize']] as [string, string[]]] : []),
];

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  subjects?: Array<{ kind: string; name: string; namespace?: string }>;
}

const work = mkdtempSync(join(tmpdir(), 'imps-krm-overlay-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function render(command: string[], kustomization: string): Manifest[] {
  const dir = mkdtempSync(join(work, 'k-'));
  writeFileSync(join(dir, 'kustomization.yaml'), kustomization.replaceAll('REPO', relative(dir, REPO)));
  const [bin, ...args] = command;
  const result = spawnSync(bin!, [...args, dir], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return parseAllDocuments(result.stdout).map((doc) => doc.toJS() as Manifest);
}

/** Every ServiceAccount subject of every binding, as `binding -> namespace/name`, checked against the ServiceAccounts rendered. */
function subjects(manifests: Manifest[]): string[] {
  return manifests
    .filter((m) => m.kind === 'ClusterRoleBinding' || m.kind === 'RoleBinding')
    .flatMap((m) => (m.subjects ?? []).filter((s) => s.kind === 'ServiceAccount').map((s) => `${m.metadata.name} -> ${s.namespace}/${s.name}`));
}
const accounts = (manifests: Manifest[]): string[] =>
  manifests.filter((m) => m.kind === 'ServiceAccount').map((m) => `${m.metadata.namespace}/${m.metadata.name}`);

describe.each(renderers)('RBAC subjects follow the ServiceAccount (%s)', (_name, command) => {
  it.each([
    ['deploy/ as shipped', 'resources: [REPO/deploy]\n', 'imps-krm-system'],
    ['deploy/ moved by an overlay', 'namespace: platform\nresources: [REPO/deploy]\n', 'platform'],
    ['deploy/ + acrpull component', 'resources: [REPO/deploy]\ncomponents: [REPO/deploy/acrpull]\n', 'imps-krm-system'],
    ['deploy/ + acrpull component, moved', 'namespace: platform\nresources: [REPO/deploy]\ncomponents: [REPO/deploy/acrpull]\n', 'platform'],
  ])('%s', (_case, kustomization, namespace) => {
    const manifests = render(command, kustomization);
    expect(accounts(manifests)).toEqual([`${namespace}/imps-krm-controller`]);
    const bound = subjects(manifests);
    expect(bound.length).toBeGreaterThanOrEqual(2);
    for (const line of bound) expect(line).toMatch(new RegExp(` -> ${namespace}/imps-krm-controller$`));
  });

  it.each([
    ['the ECR Public helper drop-in as shipped', 'resources: [REPO/deploy/ecr-public-helper]\n', 'ecr-public-creds-helper'],
    ['the ECR Public helper drop-in, moved', 'namespace: creds\nresources: [REPO/deploy/ecr-public-helper]\n', 'creds'],
  ])('%s', (_case, kustomization, namespace) => {
    const manifests = render(command, kustomization);
    expect(subjects(manifests)).toEqual([`ecr-public-token-editor -> ${namespace}/sa-secrets-editor`]);
  });
});
