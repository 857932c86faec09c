// Builders for admission attempts and the objects the controller and the refresher write.
import {
  ADDED_PULL_SECRETS_ANNOTATION,
  EXPIRES_AT_ANNOTATION,
  IMAGE_PULL_SECRET_ANNOTATION,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  OWNER_LABEL,
  PULL_SECRETS_PATCHED_LABEL,
  REFRESHER_ANNOTATION,
} from '../../src/core/contract.js';
import { IMPS_OWNER_UID_LABEL } from '../../src/core/secret-ownership.js';
import type { Attempt, Operation } from './cel-policy.js';

export const CONTROLLER = 'system:serviceaccount:imps-krm-system:imps-krm-controller';
export const REFRESHER = 'system:serviceaccount:apps:imps-krm-refresh';

type Json = Record<string, unknown>;

const RESOURCES: Record<string, { group: string; version: string; resource: string }> = {
  Secret: { group: '', version: 'v1', resource: 'secrets' },
  ServiceAccount: { group: '', version: 'v1', resource: 'serviceaccounts' },
  ConfigMap: { group: '', version: 'v1', resource: 'configmaps' },
};

function attempt(operation: Operation, object: Json | null, oldObject: Json | null, username: string): Attempt {
  const subject = (object ?? oldObject)!;
  const kind = String(subject['kind']);
  const metadata = subject['metadata'] as { name: string; namespace?: string };
  const resource = RESOURCES[kind];
  if (!resource) throw new Error(`no resource for kind ${kind}`);
  return { operation, username, resource, kind, name: metadata.name, namespace: metadata.namespace, object, oldObject };
}

export const create = (object: Json, username = CONTROLLER): Attempt => attempt('CREATE', object, null, username);
export const update = (oldObject: Json, object: Json, username = CONTROLLER): Attempt => attempt('UPDATE', object, oldObject, username);
export const remove = (oldObject: Json, username = CONTROLLER): Attempt => attempt('DELETE', null, oldObject, username);

/** Server-managed metadata, as admission sees it on objects that exist. */
const stored = { uid: '7d1c6a8e-0000-4000-8000-000000000001', resourceVersion: '42', creationTimestamp: '2026-11-22T00:00:00Z' };
const DOCKER = 'kubernetes.io/dockerconfigjson';
const data = (password: string): Json => ({ '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { 'r.example': { password } } })).toString('base64') });

export const impsOwnerRef = (name = 'web', uid = 'uid-web', controller = true): Json => ({
  apiVersion: 'images.banzaicloud.io/v1alpha1',
  kind: 'ImagePullSecret',
  name,
  uid,
  controller,
  blockOwnerDeletion: false,
});

/** A target Secret as the controller creates it (src/core/secret-plan.ts): labelled, owned by its ImagePullSecret. */
export function target(overrides: { labels?: Json; annotations?: Json; ownerReferences?: Json[]; type?: string; password?: string } = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'regcred',
      namespace: 'app',
      ...stored,
      labels: overrides.labels ?? { [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_LABEL]: 'web' },
      annotations: overrides.annotations ?? { [EXPIRES_AT_ANNOTATION]: '2026-11-22T12:00:00Z' },
      ownerReferences: overrides.ownerReferences ?? [impsOwnerRef()],
    },
    type: overrides.type ?? DOCKER,
    data: data(overrides.password ?? 'one'),
  };
}

/** A shell as a GitOps tool applies it (render with output: shells): labelled, no owner reference, no data. */
export function shell(overrides: { labels?: Json; annotations?: Json; ownerReferences?: Json[]; filled?: string } = {}): Json {
  const metadata: Json = {
    name: 'regcred',
    namespace: 'app',
    ...stored,
    labels: overrides.labels ?? { [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_LABEL]: 'web', 'app.kubernetes.io/instance': 'argocd-app' },
    annotations: overrides.annotations ?? { [REFRESHER_ANNOTATION]: 'true', [IMAGE_PULL_SECRET_ANNOTATION]: 'web' },
  };
  if (overrides.ownerReferences) metadata['ownerReferences'] = overrides.ownerReferences;
  return { apiVersion: 'v1', kind: 'Secret', metadata, type: DOCKER, ...(overrides.filled ? { data: data(overrides.filled) } : {}) };
}

/** The IMPS controller's Secret for ImagePullSecret `web` (banzaicloud/imps controllers/imagepullsecret_reconciler.go). */
export function impsSecret(uid = 'uid-web'): Json {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'regcred',
      namespace: 'app',
      ...stored,
      labels: { [IMPS_OWNER_UID_LABEL]: uid },
      // k8s-objectmatcher's record of what IMPS wrote (a zipped copy of the Secret): removed on adoption.
      annotations: { 'banzaicloud.com/last-applied': 'UEsDBBQ=' },
      ownerReferences: [impsOwnerRef('web', uid, false)],
    },
    type: DOCKER,
    data: data('imps'),
  };
}

/** A Secret as the controller adopts IMPS's: our labels added beside IMPS's, our owner reference, its record gone. */
export function adopted(uid = 'uid-web'): Json {
  return target({ labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_LABEL]: 'web', [IMPS_OWNER_UID_LABEL]: uid }, ownerReferences: [impsOwnerRef('web', uid)] });
}

/** Any other Secret: an application's own, or another tool's (its labels, annotations, owner references). */
export function foreignSecret(type = 'Opaque', labels: Json = { app: 'web' }, annotations?: Json, ownerReferences?: Json[]): Json {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'regcred', namespace: 'app', ...stored, labels, ...(annotations ? { annotations } : {}), ...(ownerReferences ? { ownerReferences } : {}) },
    type,
    data: { password: 'c2VjcmV0' },
  };
}

/** With the given fields replaced in metadata (undefined removes one). */
export function withMeta(object: Json, changes: Json): Json {
  const metadata: Json = { ...(object['metadata'] as Json) };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete metadata[key];
    else metadata[key] = value;
  }
  return { ...object, metadata };
}

export function serviceAccount(spec: { imagePullSecrets?: string[]; labels?: Json; annotations?: Json; extra?: Json } = {}): Json {
  const metadata: Json = { name: 'default', namespace: 'app', ...stored };
  if (spec.labels) metadata['labels'] = spec.labels;
  if (spec.annotations) metadata['annotations'] = spec.annotations;
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata,
    ...(spec.imagePullSecrets ? { imagePullSecrets: spec.imagePullSecrets.map((name) => ({ name })) } : {}),
    ...spec.extra,
  };
}

/** The record and marker the controller writes with its entries (src/core/service-accounts.ts serviceAccountPatch). */
export const recorded = (record: string, labels: Json = {}, annotations: Json = {}): { labels: Json; annotations: Json } => ({
  labels: { ...labels, [PULL_SECRETS_PATCHED_LABEL]: 'true' },
  annotations: { ...annotations, [ADDED_PULL_SECRETS_ANNOTATION]: record },
});

/**
 * A repository credential as the controller creates it (src/core/repository-credentials.ts): Opaque, our labels and
 * Argo CD's or Kargo's, one registry login, owned by its ImagePullSecret.
 */
export function repositoryCredential(
  tool: 'argocd' | 'kargo',
  overrides: { labels?: Json; data?: Record<string, string>; ownerReferences?: Json[]; type?: string; password?: string } = {},
): Json {
  const toolLabel = tool === 'argocd' ? { 'argocd.argoproj.io/secret-type': 'repo-creds' } : { 'kargo.akuity.io/cred-type': 'image' };
  const plain =
    tool === 'argocd'
      ? { url: 'r.example/', type: 'helm', enableOCI: 'true', username: 'AWS', password: overrides.password ?? 'one' }
      : { repoURL: '^r\\.example/', repoURLIsRegex: 'true', username: 'AWS', password: overrides.password ?? 'one' };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `regcred-${tool}-helm-r.example`,
      namespace: tool === 'argocd' ? 'argocd' : 'kargo-demo',
      ...stored,
      labels: overrides.labels ?? { [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_LABEL]: 'web', ...toolLabel },
      annotations: { [EXPIRES_AT_ANNOTATION]: '2026-11-22T12:00:00Z' },
      ownerReferences: overrides.ownerReferences ?? [impsOwnerRef()],
    },
    type: overrides.type ?? 'Opaque',
    data: Object.fromEntries(Object.entries(overrides.data ?? plain).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
  };
}
