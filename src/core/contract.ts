// The labels and annotations imps-krm puts on the Secrets it renders or writes. Every face (render, KRM function,
// Argo CD plugin, controller) reads and writes them through this one file.

export const DOMAIN = 'imps-krm.io';

/** Names the ImagePullSecret that owns a Secret; the controller only ever deletes Secrets carrying it. */
export const OWNER_LABEL = `${DOMAIN}/owner`;
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'imps-krm';

/** Earliest expiry of any credential in the Secret, RFC 3339 UTC; absent when nothing expires. */
export const EXPIRES_AT_ANNOTATION = `${DOMAIN}/expires-at`;

/**
 * Shells: Secrets the render faces emit with `output: shells`. They carry no token material, so git and Argo CD's
 * cache hold no credential; the in-cluster controller fills their `data` and never deletes them (the GitOps tool
 * that applied them owns them). A Secret is a shell when REFRESHER_ANNOTATION is `"true"`.
 */
export const REFRESHER_ANNOTATION = `${DOMAIN}/refresher-managed`;
/** The full name of the ImagePullSecret whose credentials fill a shell (the owner label may be shortened). */
export const IMAGE_PULL_SECRET_ANNOTATION = `${DOMAIN}/image-pull-secret`;

/** Whether a Secret's annotations mark it as a shell, and which ImagePullSecret fills it. */
export function shellOwner(annotations: Readonly<Record<string, string>> | undefined): string | undefined {
  if (annotations?.[REFRESHER_ANNOTATION] !== 'true') return undefined;
  return annotations[IMAGE_PULL_SECRET_ANNOTATION] || undefined;
}

/** Label values are at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric. */
export function ownerLabelValue(impsName: string): string {
  if (impsName.length <= 63) return impsName;
  // Cluster-scoped names may reach 253 characters: keep a readable prefix and a stable hash of the rest.
  // `_` only occurs in an AcrPullBinding's name (core/acr-pull-binding.ts bindingOwnerName).
  return `${impsName.slice(0, 54).replace(/[-._]+$/, '')}-${fnv1a(impsName)}`;
}

/** A stable 8-hex-digit digest (FNV-1a, 32 bits) that shortened names end with, so they stay distinct. */
export function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * ServiceAccount `imagePullSecrets` entries the controller added, as `<ImagePullSecret>/<Secret>` pairs joined with
 * commas (neither name can hold `/` or `,`). Only entries recorded here are ever removed: an entry a user wrote by
 * hand, even for a Secret of the same name, was not added by us and is never recorded, so it stays. The
 * ImagePullSecret name lets each CR's reconcile, and the sweep after a CR is deleted, find exactly its own entries.
 */
export const ADDED_PULL_SECRETS_ANNOTATION = `${DOMAIN}/added-pull-secrets`;
/**
 * Set (`"true"`) on every ServiceAccount carrying ADDED_PULL_SECRETS_ANNOTATION. Annotations cannot be selected
 * on; this label lets the controller watch exactly the ServiceAccounts it has patched, to clean them up after the
 * CR (or its `serviceAccounts` entry) is gone, without watching every ServiceAccount of the cluster.
 */
export const PULL_SECRETS_PATCHED_LABEL = `${DOMAIN}/pull-secrets-patched`;

/** The registry of a `kubernetes.io/basic-auth` source Secret. */
export const REGISTRY_ANNOTATION = `${DOMAIN}/registry`;

/** Source consent (docs/security.md "Tenant isolation"): who may use a source Secret; see core/consent.ts. */
export const ALLOWED_PROJECTS_ANNOTATION = `${DOMAIN}/allowed-projects`;
export const ALLOWED_IMAGE_PULL_SECRETS_ANNOTATION = `${DOMAIN}/allowed-image-pull-secrets`;
export const ALLOWED_NAMESPACES_ANNOTATION = `${DOMAIN}/allowed-namespaces`;

/**
 * Every `imps-krm.io/*` label and annotation key of this contract that is not a render setting. A key of our domain
 * that is neither a setting nor one of these is a typo (`imps-krm.io/clustr`) and must fail, not be ignored.
 */
export const CONTRACT_KEYS: ReadonlySet<string> = new Set([
  OWNER_LABEL,
  EXPIRES_AT_ANNOTATION,
  REFRESHER_ANNOTATION,
  IMAGE_PULL_SECRET_ANNOTATION,
  ADDED_PULL_SECRETS_ANNOTATION,
  PULL_SECRETS_PATCHED_LABEL,
  REGISTRY_ANNOTATION,
  ALLOWED_PROJECTS_ANNOTATION,
  ALLOWED_IMAGE_PULL_SECRETS_ANNOTATION,
  ALLOWED_NAMESPACES_ANNOTATION,
]);
