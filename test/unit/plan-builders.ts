// Builders for the controller's planner and executor tests: cluster state as the caches hold it (facts), and a
// render outcome reduced to what the planner takes. Names: ImagePullSecret `web` (uid `uid-web`), target `regcred`.
import { ADDED_PULL_SECRETS_ANNOTATION, EXPIRES_AT_ANNOTATION, IMAGE_PULL_SECRET_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL, OWNER_LABEL, PULL_SECRETS_PATCHED_LABEL, REFRESHER_ANNOTATION } from '../../src/core/contract.js';
import type { OwnerReferenceFacts, SecretFacts, ServiceAccountFacts } from '../../src/core/facts.js';
import type { PullSecretManifest } from '../../src/core/render.js';
import type { RepositoryCredentialManifest } from '../../src/core/repository-credentials.js';
import type { SecretAction, SecretPlan, SecretPlanInput } from '../../src/core/secret-plan.js';

export const OWNER = { apiVersion: 'images.banzaicloud.io/v1alpha1', name: 'web', uid: 'uid-web' } as const;
export const IMPS_UID_LABEL = 'images.banzaicloud.io/owner-uid';
/** What the desired data hashes to; a Secret holding it is current. */
export const CURRENT = 'hash-current';
export const EXPIRY = '2026-11-22T12:00:00Z';

export const ref = (kind: string, uid: string, name = 'x', controller?: boolean): OwnerReferenceFacts => ({
  apiVersion: kind === 'ImagePullSecret' ? 'images.banzaicloud.io/v1alpha1' : 'v1',
  kind,
  name,
  uid,
  ...(controller === undefined ? {} : { controller }),
});
export const OUR_REF = ref('ImagePullSecret', OWNER.uid, OWNER.name, true);

/** A Secret as the cache holds it; by default ours in `namespace`, current. */
export function secret(namespace: string, overrides: Partial<SecretFacts> = {}): SecretFacts {
  return {
    namespace,
    name: 'regcred',
    uid: `uid-${namespace}-secret`,
    resourceVersion: '7',
    type: 'kubernetes.io/dockerconfigjson',
    labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_LABEL]: OWNER.name },
    annotations: { [EXPIRES_AT_ANNOTATION]: EXPIRY },
    ownerReferences: [OUR_REF],
    dataHash: CURRENT,
    dataKeys: ['.dockerconfigjson'],
    ...overrides,
  };
}

/** The IMPS controller's Secret for `web` (banzaicloud/imps controllers/imagepullsecret_reconciler.go). */
export function impsSecret(namespace: string, overrides: Partial<SecretFacts> = {}): SecretFacts {
  return secret(namespace, {
    labels: { [IMPS_UID_LABEL]: OWNER.uid },
    annotations: { 'banzaicloud.com/last-applied': '' },
    ownerReferences: [ref('ImagePullSecret', OWNER.uid, OWNER.name, false)],
    dataHash: 'hash-imps',
    ...overrides,
  });
}

/** A shell naming `of`, as a GitOps tool applied it (empty docker config). */
export function shell(namespace: string, of: string = OWNER.name, overrides: Partial<SecretFacts> = {}): SecretFacts {
  return secret(namespace, {
    labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_LABEL]: of, 'app.kubernetes.io/instance': 'argocd-app' },
    annotations: { [REFRESHER_ANNOTATION]: 'true', [IMAGE_PULL_SECRET_ANNOTATION]: of },
    ownerReferences: [],
    dataHash: 'hash-empty',
    ...overrides,
  });
}

export function serviceAccount(namespace: string, entries: string[] = [], record?: string): ServiceAccountFacts {
  return { namespace, name: 'default', resourceVersion: '3', imagePullSecrets: entries.map((name) => ({ name })), added: record };
}

export function manifest(namespace: string, expiresAt: string | null = EXPIRY): PullSecretManifest {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'regcred',
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_LABEL]: OWNER.name },
      ...(expiresAt ? { annotations: { [EXPIRES_AT_ANNOTATION]: expiresAt } } : {}),
    },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': 'eyJhdXRocyI6e319' },
  };
}

/** A render that selected `selected` (every source allowing them) and rendered one Secret in each. */
export function input(selected: string[], state: Partial<SecretPlanInput> = {}): SecretPlanInput {
  const failed = state.failed ?? false;
  return {
    owner: OWNER,
    target: 'regcred',
    serviceAccounts: [],
    failed,
    selected,
    denied: [],
    desired: failed ? [] : selected.map((namespace) => ({ manifest: manifest(namespace), dataHash: CURRENT })),
    shellPayload: { data: { '.dockerconfigjson': 'eyJhdXRocyI6e319' }, dataHash: CURRENT, expiresAt: EXPIRY },
    shellDenials: () => [],
    secrets: [],
    serviceAccountFacts: [],
    ...state,
  };
}

/** One line per action, the way a person would say it: what the tables compare. */
export function summary(plan: SecretPlan): string[] {
  return plan.actions.map(describe);
}

export function describe(action: SecretAction): string {
  const at = `${action.namespace}/${action.name}`;
  switch (action.kind) {
    case 'create':
      return `create ${at}`;
    case 'patch':
      return `patch ${at} (${action.changed.join(',')})`;
    case 'adopt':
      return `adopt ${at} from ${action.from}`;
    case 'fill-shell':
      return `fill-shell ${at}`;
    case 'refuse':
      return `refuse ${action.operation === 'delete' ? 'to delete ' : ''}${at}: ${action.reason}`;
    case 'delete':
      return `delete ${at}: ${action.cause}${action.imps ? ' (IMPS)' : ''}${action.role ? ` (${action.role})` : ''}`;
    case 'patch-service-account':
      return `patch-service-account ${at}${action.added.map((name) => ` +${name}`).join('')}${action.removed.map((name) => ` -${name}`).join('')}`;
  }
}

export const recordOf = (pairs: string): Record<string, string> => ({ [ADDED_PULL_SECRETS_ANNOTATION]: pairs });
export const MARK = { [PULL_SECRETS_PATCHED_LABEL]: 'true' };

/** Repository credentials (spec.target.repositoryCredentials): an Argo CD template of `web` in `argocd`. */
export const REPO_NAME = 'regcred-argocd-helm-r.example';
export const ARGO_LABEL = { 'argocd.argoproj.io/secret-type': 'repo-creds' };

export function repositoryManifest(namespace = 'argocd', name = REPO_NAME): RepositoryCredentialManifest {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_LABEL]: OWNER.name, ...ARGO_LABEL }, annotations: { [EXPIRES_AT_ANNOTATION]: EXPIRY } },
    type: 'Opaque',
    data: { url: 'ci5leGFtcGxlLw==', type: 'aGVsbQ==', enableOCI: 'dHJ1ZQ==', username: 'QVdT', password: 'cA==' },
  };
}

/** The cached facts of a repository credential we wrote; current by default. */
export function repositorySecret(namespace = 'argocd', overrides: Partial<SecretFacts> = {}): SecretFacts {
  return secret(namespace, {
    name: REPO_NAME,
    type: 'Opaque',
    labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_LABEL]: OWNER.name, ...ARGO_LABEL },
    dataKeys: ['enableOCI', 'password', 'type', 'url', 'username'],
    ...overrides,
  });
}

export const desiredRepository = (namespace = 'argocd', name = REPO_NAME): { manifest: RepositoryCredentialManifest; dataHash: string } => ({
  manifest: repositoryManifest(namespace, name),
  dataHash: CURRENT,
});
