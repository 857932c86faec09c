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

/** A target Secret as ensureSecret creates it: labelled, owned by its ImagePullSecret. */
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
    metadata: { name: 'regcred', namespace: 'app', ...stored, labels: { 'images.banzaicloud.io/owner-uid': uid }, ownerReferences: [impsOwnerRef('web', uid, false)] },
    type: DOCKER,
    data: data('imps'),
  };
}

/** Any other Secret: an application's own. */
export function foreignSecret(type = 'Opaque', labels: Json = { app: 'web' }): Json {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred', namespace: 'app', ...stored, labels }, type, data: { password: 'c2VjcmV0' } };
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

/** The record and marker the controller writes with its entries (service-account-patches.ts). */
export const recorded = (record: string, labels: Json = {}, annotations: Json = {}): { labels: Json; annotations: Json } => ({
  labels: { ...labels, [PULL_SECRETS_PATCHED_LABEL]: 'true' },
  annotations: { ...annotations, [ADDED_PULL_SECRETS_ANNOTATION]: record },
});
