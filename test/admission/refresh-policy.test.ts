// The refresher's admission policy (deploy/refresh-cronjob/admission-policy.yaml), evaluated with a CEL library.
import { describe, expect, it } from 'vitest';
import { MANAGED_BY, MANAGED_BY_LABEL, OWNER_LABEL } from '../../src/core/contract.js';
import { CONTROLLER, create, foreignSecret, REFRESHER, remove, update, withMeta } from './attempts.js';
import { loadPolicies, type Attempt } from './cel-policy.js';

const policy = loadPolicies('deploy/refresh-cronjob/admission-policy.yaml').get('imps-krm-refresh-secrets')!;

const M = {
  deletes: 'imps-krm-refresh never deletes Secrets',
  type: 'imps-krm-refresh writes only Secrets of type kubernetes.io/dockerconfigjson',
  label: 'imps-krm-refresh writes only Secrets labelled imps-krm.io/owner',
  typeChange: 'imps-krm-refresh never changes the type of a Secret',
  labelKept: 'imps-krm-refresh never removes or changes the imps-krm.io/owner label of a Secret',
};

const DOCKER = 'kubernetes.io/dockerconfigjson';
/** The refresher's target as refresher.ts writes it: owner label `<namespace>.<name>`, no owner reference. */
const written = (type = DOCKER, owner: string | null = 'apps.regcred'): Record<string, unknown> =>
  withMeta(foreignSecret(type, owner === null ? { [MANAGED_BY_LABEL]: MANAGED_BY } : { [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_LABEL]: owner }), { namespace: 'apps' });

function judge(attempt: Attempt): readonly string[] | 'not judged' {
  const verdict = policy.evaluate(attempt);
  expect(verdict.errors).toEqual([]);
  return verdict.applies ? verdict.denied : 'not judged';
}

describe('Secrets written by imps-krm-refresh', () => {
  const allowed: [string, Attempt][] = [
    ['create its target', create(written(), REFRESHER)],
    ['patch its target', update(written(), written(), REFRESHER)],
    ['take over an existing unlabelled docker config Secret of its target name', update(written(DOCKER, null), written(), REFRESHER)],
  ];
  it.each(allowed)('allows: %s', (_name, attempt) => {
    expect(judge(attempt)).toEqual([]);
  });

  const forbidden: [string, Attempt, string[]][] = [
    ['delete a Secret', remove(written(), REFRESHER), [M.deletes]],
    ['create a service-account-token Secret under a name it may read', create(written('kubernetes.io/service-account-token'), REFRESHER), [M.type]],
    ['create an unlabelled Secret', create(written(DOCKER, null), REFRESHER), [M.label]],
    ['change a Secret\'s type', update(written('Opaque'), written(), REFRESHER), [M.typeChange]],
    ['strip the owner label', update(written(), written(DOCKER, null), REFRESHER), [M.label, M.labelKept]],
    ['change the owner label', update(written(), written(DOCKER, 'apps.other'), REFRESHER), [M.labelKept]],
  ];
  it.each(forbidden)('denies: %s', (_name, attempt, messages) => {
    expect(judge(attempt)).toEqual(messages);
  });

  it('judges only the refresher ServiceAccount, in any namespace', () => {
    const opaque = create(written('Opaque'), REFRESHER);
    expect(judge({ ...opaque, username: 'system:serviceaccount:team-b:imps-krm-refresh' })).toEqual([M.type]);
    expect(judge({ ...opaque, username: CONTROLLER })).toBe('not judged');
    expect(judge({ ...opaque, username: 'system:serviceaccount:apps:default' })).toBe('not judged');
  });
});

describe('the ECR Public helper drop-in (deploy/ecr-public-helper/admission-policy.yaml): the refresher rules, for its ServiceAccount', () => {
  const helper = loadPolicies('deploy/ecr-public-helper/admission-policy.yaml').get('imps-krm-ecr-public-helper-secrets')!;
  const HELPER = 'system:serviceaccount:ecr-public-creds-helper:sa-secrets-editor';
  const token = (owner: string | null, type = DOCKER): Record<string, unknown> =>
    withMeta(foreignSecret(type, owner === null ? {} : { [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_LABEL]: owner }), { name: 'ecr-public-token', namespace: 'default' });
  const verdict = (attempt: Attempt): readonly string[] | 'not judged' => {
    const result = helper.evaluate(attempt);
    expect(result.errors).toEqual([]);
    return result.applies ? result.denied : 'not judged';
  };
  it("allows: take over the helper's own Secret (no label), then renew it", () => {
    expect(verdict(update(token(null), token('ecr-public-token'), HELPER))).toEqual([]);
    expect(verdict(update(token('ecr-public-token'), token('ecr-public-token'), HELPER))).toEqual([]);
    expect(verdict(create(token('ecr-public-token'), HELPER))).toEqual([]);
  });
  it('denies: a delete (the helper deleted and re-created), a token Secret, an unlabelled create', () => {
    expect(verdict(remove(token('ecr-public-token'), HELPER))).toEqual(['the ECR Public helper never deletes Secrets']);
    expect(verdict(create(token('ecr-public-token', 'kubernetes.io/service-account-token'), HELPER))).toEqual(['the ECR Public helper writes only Secrets of type kubernetes.io/dockerconfigjson']);
    expect(verdict(create(token(null), HELPER))).toEqual(['the ECR Public helper writes only Secrets labelled imps-krm.io/owner']);
  });
  it('judges only that ServiceAccount in that namespace', () => {
    expect(verdict(remove(token('x'), 'system:serviceaccount:other:sa-secrets-editor'))).toBe('not judged');
    expect(verdict(remove(token('x'), REFRESHER))).toBe('not judged');
  });
});
