// The RBAC that ships: each verb pinned, so that widening it is a visible, reviewed change (docs/controller.md
// "RBAC rationale" justifies each one), and the Argo CD plugin never reads Secrets cluster-wide.
import { describe, expect, it } from 'vitest';
import { readManifests } from './cel-policy.js';

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}
type RbacObject = { kind: string; metadata: { name: string; namespace?: string }; rules?: Rule[] };

const rbac = (path: string): RbacObject[] => readManifests(path) as unknown as RbacObject[];
/** `kind/name resource: verbs [resourceNames]`, one line per resource of each rule. */
const grants = (objects: RbacObject[]): string[] =>
  objects.flatMap((object) =>
    (object.rules ?? []).flatMap((rule) =>
      (rule.resources ?? []).map((resource) => `${object.kind}/${object.metadata.name} ${resource}: ${rule.verbs.join(',')}${rule.resourceNames ? ` [${rule.resourceNames.join(',')}]` : ''}`),
    ),
  );

describe('shipped RBAC', () => {
  it('controller: exactly the verbs its code uses', () => {
    expect(grants(rbac('deploy/controller/rbac.yaml'))).toEqual([
      'ClusterRole/imps-krm-controller imagepullsecrets: list,watch',
      'ClusterRole/imps-krm-controller imagepullsecrets/status: patch',
      'ClusterRole/imps-krm-controller namespaces: list,watch',
      'ClusterRole/imps-krm-controller pods: list,watch',
      'ClusterRole/imps-krm-controller secrets: list,watch,create,patch,delete',
      'ClusterRole/imps-krm-controller serviceaccounts: list,watch,get,patch',
      'ClusterRole/imps-krm-controller events: create',
      'Role/imps-krm-leader-election leases: create',
      'Role/imps-krm-leader-election leases: get,update [imps-krm-controller]',
    ]);
  });

  it('refresher: name-scoped get and patch, create (not scopable; the admission policy narrows it)', () => {
    expect(grants(rbac('deploy/refresh-cronjob/rbac.yaml'))).toEqual([
      'Role/imps-krm-refresh secrets: get [ecr-login,regcred]',
      'Role/imps-krm-refresh secrets: patch [regcred]',
      'Role/imps-krm-refresh secrets: create',
    ]);
  });

  it('AcrPullBindings (deploy/acrpull): the bindings, their status and finalizers, ServiceAccount tokens, two CRDs by name', () => {
    expect(grants(rbac('deploy/acrpull/rbac.yaml'))).toEqual([
      'ClusterRole/imps-krm-controller-acrpull acrpullbindings: list,watch,patch',
      'ClusterRole/imps-krm-controller-acrpull acrpullbindings/status: patch',
      'ClusterRole/imps-krm-controller-acrpull acrpullbindings/finalizers: update',
      'ClusterRole/imps-krm-controller-acrpull serviceaccounts/token: create',
      'ClusterRole/imps-krm-controller-acrpull secrets: get',
      'ClusterRole/imps-krm-controller-acrpull customresourcedefinitions: get [acrpullbindings.msi-acrpull.microsoft.com,acrpullbindings.acrpull.microsoft.com]',
    ]);
  });

  it('ECR Public helper drop-in: get and patch ecr-public-token only, create (the helper had create and delete on every Secret)', () => {
    expect(grants(rbac('deploy/ecr-public-helper/serviceaccount.yaml'))).toEqual([
      'ClusterRole/ecr-public-token-editor secrets: get,patch [ecr-public-token]',
      'ClusterRole/ecr-public-token-editor secrets: create',
    ]);
  });

  it('Argo CD plugin: Secrets only by name, in namespaced Roles, read-only', () => {
    const objects = rbac('argocd-cmp/rbac-live.yaml');
    const lines = grants(objects);
    expect(lines.filter((line) => line.startsWith('ClusterRole/'))).toEqual(['ClusterRole/imps-krm-cmp-reader namespaces: list', 'ClusterRole/imps-krm-cmp-reader pods: list']);
    const secrets = objects.filter((object) => object.kind === 'Role').flatMap((role) => (role.rules ?? []).filter((rule) => rule.resources?.includes('secrets')));
    expect(secrets.length).toBeGreaterThan(0);
    for (const rule of secrets) {
      expect(rule.verbs).toEqual(['get']);
      expect(rule.resourceNames?.length).toBeGreaterThan(0);
    }
    for (const object of objects.filter((candidate) => candidate.kind === 'Role' || candidate.kind === 'RoleBinding')) expect(object.metadata.namespace, object.metadata.name).toBeDefined();
    expect(lines.join('\n')).not.toContain('*');
  });
});
