// Static checks on the shipped admission policies: what a CEL library cannot tell about the API server.
import { describe, expect, it } from 'vitest';
import * as contract from '../../src/core/contract.js';
import { functionsOf, KUBERNETES_CEL_FUNCTIONS, loadPolicies, readManifests } from './cel-policy.js';

const FILES = [
  'deploy/controller/admission-policy.yaml',
  'deploy/refresh-cronjob/admission-policy.yaml',
  'deploy/acrpull/admission-policy.yaml',
  'deploy/ecr-public-helper/admission-policy.yaml',
];
// CEL reserves these words; Kubernetes makes fields with such names reachable only as __name__ (e.g. a
// `.namespace` selection does not parse there), so the policies avoid selecting them.
const RESERVED = ['as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while'];

describe('shipped admission policies', () => {
  const policies = [...loadPolicies(...FILES).values()];

  it('exist, each with a Deny binding', () => {
    expect(policies.map((policy) => policy.name).sort()).toEqual([
      'imps-krm-controller-acr-pull-bindings',
      'imps-krm-controller-secrets',
      'imps-krm-controller-service-account-tokens',
      'imps-krm-controller-service-accounts',
      'imps-krm-ecr-public-helper-secrets',
      'imps-krm-refresh-secrets',
    ]);
  });

  it('fail closed and deny with a one-line Forbidden message', () => {
    for (const policy of policies) {
      expect(policy.spec.failurePolicy, policy.name).toBe('Fail');
      for (const validation of policy.spec.validations) {
        expect(validation.reason, validation.message).toBe('Forbidden');
        expect(validation.message).not.toMatch(/[\r\n]/);
      }
    }
  });

  it('call only functions and macros that Kubernetes CEL has, and select no reserved word', () => {
    for (const policy of policies) {
      for (const expression of policy.expressions()) {
        for (const name of functionsOf(expression)) expect(KUBERNETES_CEL_FUNCTIONS, `${name} in ${expression}`).toContain(name);
        expect(expression).not.toMatch(new RegExp(`\\.(${RESERVED.join('|')})\\b`));
        expect(expression, 'params are not used: the policies need no parameter object').not.toMatch(/\bparams\b|\bnamespaceObject\b|\bauthorizer\b/);
      }
    }
  });

  it('name only the labels and annotations of src/core/contract.ts', () => {
    const known = new Set<unknown>(Object.values(contract).filter((value) => typeof value === 'string'));
    for (const policy of policies) {
      for (const expression of policy.expressions()) {
        for (const key of expression.match(/imps-krm\.io\/[a-z-]+/g) ?? []) expect(known, key).toContain(key);
      }
    }
  });

  it('match the ServiceAccounts that deploy/ runs the controller and the refresher as', () => {
    const controllerAccount = readManifests('deploy/controller/service-account.yaml').find((manifest) => manifest.kind === 'ServiceAccount')!;
    const refreshAccount = readManifests('deploy/refresh-cronjob/rbac.yaml').find((manifest) => manifest.kind === 'ServiceAccount')!;
    const deployment = readManifests('deploy/controller/deployment.yaml')[0]!.spec as { template: { spec: { serviceAccountName: string } } };
    const cronJob = readManifests('deploy/refresh-cronjob/cronjob.yaml')[0]!.spec as { jobTemplate: { spec: { template: { spec: { serviceAccountName: string } } } } };
    expect(deployment.template.spec.serviceAccountName).toBe(controllerAccount.metadata.name);
    expect(cronJob.jobTemplate.spec.template.spec.serviceAccountName).toBe(refreshAccount.metadata.name);
    const conditions = new Map(policies.map((policy) => [policy.name, policy.spec.matchConditions?.map((condition) => condition.expression).join(' ') ?? '']));
    expect(conditions.get('imps-krm-controller-secrets')).toContain(`':${controllerAccount.metadata.name}'`);
    expect(conditions.get('imps-krm-controller-service-accounts')).toContain(`':${controllerAccount.metadata.name}'`);
    expect(conditions.get('imps-krm-refresh-secrets')).toContain(`':${refreshAccount.metadata.name}'`);
    for (const name of ['imps-krm-controller-acr-pull-bindings', 'imps-krm-controller-service-account-tokens']) expect(conditions.get(name)).toContain(`':${controllerAccount.metadata.name}'`);
    // The ECR Public helper's ServiceAccount, exactly: its IRSA role trusts that one name in that one namespace.
    const helperAccount = readManifests('deploy/ecr-public-helper/serviceaccount.yaml').find((manifest) => manifest.kind === 'ServiceAccount')!;
    const helperJob = readManifests('deploy/ecr-public-helper/cronjob.yaml')[0]!.spec as { jobTemplate: { spec: { template: { spec: { serviceAccountName: string } } } } };
    expect(helperJob.jobTemplate.spec.template.spec.serviceAccountName).toBe(helperAccount.metadata.name);
    expect(conditions.get('imps-krm-ecr-public-helper-secrets')).toContain(`'system:serviceaccount:ecr-public-creds-helper:${helperAccount.metadata.name}'`);
  });
});
