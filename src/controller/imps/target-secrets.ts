import { runRenderPipeline, type ImpsOutcome } from '../../app/render-pipeline.js';
import { EXPIRES_AT_ANNOTATION, ownerLabelValue, OWNER_LABEL, shellOwner } from '../../core/contract.js';
import type { PullSecretManifest } from '../../core/render.js';
import type { ImagePullSecret } from '../../generated/image-pull-secret.js';
import { KubeApiError } from '../../adapters/kube/kube-http.js';
import { createSecret, deleteSecret, patchSecret, readSecret, replaceSecret, type SecretBody } from '../../adapters/kube/writes.js';
import { hashData, secretFacts, type ClusterCache, type SecretFacts } from './cluster-cache.js';
import type { SecretRefusalReason } from '../runtime/metrics.js';
import type { ReconcileDeps } from './reconcile-deps.js';

// The writes of a reconcile: target Secrets, shells, and the deletion of Secrets this controller created.

/** Creates or replaces one target Secret; returns whether it wrote. Secrets we do not own are never touched. */
export async function ensureSecret(imps: ImagePullSecret, uid: string, manifest: PullSecretManifest, deps: ReconcileDeps): Promise<boolean> {
  const { namespace, name } = manifest.metadata;
  const existing = deps.cache.secrets.store.get(`${namespace}/${name}`);
  const body: SecretBody = {
    ...manifest,
    metadata: {
      ...manifest.metadata,
      // Garbage collection removes the Secrets with the CR even while the controller is down.
      ...(uid ? { ownerReferences: [{ apiVersion: imps.apiVersion, kind: imps.kind, name: imps.metadata.name, uid, controller: true, blockOwnerDeletion: false }] } : {}),
    },
  };
  if (existing && shellOwner(existing.annotations) !== undefined) return false; // a shell: fillShells fills it
  if (!existing) {
    try {
      remember(deps, await createSecret(deps.http, body));
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 409)) throw error;
      // Not in our cache, so it lacks our label. The IMPS controller's Secrets for this same CR (owner reference
      // to its uid) are adopted, which makes migrating from IMPS gapless; anything else is not ours.
      const current = secretFacts(await readSecret(deps.http, namespace, name));
      if (!current || !uid || !current.ownerUids.includes(uid)) {
        throw refused(deps, 'not-managed', 'a Secret with this name exists and is not managed by imps-krm; not overwriting it', error);
      }
      remember(deps, await replaceSecret(deps.http, { ...body, metadata: { ...body.metadata, resourceVersion: current.resourceVersion } }));
      deps.log.info('adopted Secret created for this ImagePullSecret by another controller', { imagePullSecret: imps.metadata.name, secret: `${namespace}/${name}` });
      deps.metrics.secretWrites.inc({ operation: 'update' });
      return true;
    }
    deps.metrics.secretWrites.inc({ operation: 'create' });
    return true;
  }
  if (existing.labels[OWNER_LABEL] !== ownerLabelValue(imps.metadata.name) || (existing.ownerUids.length > 0 && !existing.ownerUids.includes(uid))) {
    throw refused(deps, 'other-imagepullsecret', `owned by another ImagePullSecret (${existing.labels[OWNER_LABEL] ?? 'unknown'}); not overwriting it`);
  }
  if (existing.ownerUids.length === 0 && uid) {
    // Rendered by a GitOps face with token material and applied by GitOps: ours to fill only as a shell.
    throw refused(deps, 'gitops-rendered', 'rendered and applied by GitOps (no owner reference); not overwriting it: render it with output: shells to have it filled here');
  }
  if (upToDate(existing, body, uid)) return false;
  remember(deps, await replaceSecret(deps.http, { ...body, metadata: { ...body.metadata, resourceVersion: existing.resourceVersion } }));
  deps.metrics.secretWrites.inc({ operation: 'update' });
  return true;
}

function upToDate(existing: SecretFacts, body: SecretBody, uid: string): boolean {
  const labels = (body.metadata['labels'] ?? {}) as Record<string, string>;
  const annotations = (body.metadata['annotations'] ?? {}) as Record<string, string>;
  return (
    existing.type === body.type &&
    existing.dataHash === hashData(body.data) &&
    sameMap(existing.labels, labels) &&
    sameMap(existing.annotations, annotations) &&
    (!uid || existing.ownerUids.includes(uid))
  );
}

/**
 * Shells name their ImagePullSecret; they may sit in namespaces the controller's own selection does not reach
 * (the render saw other manifests). They get the same payload, rendered for their namespace by the pipeline, but
 * only where every source allows it: a namespace owner who writes a shell naming someone else's ImagePullSecret
 * gets nothing the sources' owners did not allow there (docs/security.md). Returns whether it wrote, and the shells
 * it refused to fill.
 */
export async function fillShells(imps: ImagePullSecret, outcome: ImpsOutcome, deps: ReconcileDeps): Promise<{ wrote: boolean; refused: string[] }> {
  const named = [...deps.cache.secrets.store.values()].filter((secret) => shellOwner(secret.annotations) === imps.metadata.name);
  if (named.length === 0 || outcome.failed) return { wrote: false, refused: [] };
  const refused: string[] = [];
  const shells = named.filter((shell) => {
    const reasons = outcome.namespaceDenials(shell.namespace);
    if (reasons.length > 0) refused.push(`shell ${shell.namespace}/${shell.name} not filled: ${reasons.join('; ')}`);
    return reasons.length === 0;
  });
  if (shells.length === 0) return { wrote: false, refused };
  let rendered = outcome.secrets[0];
  if (!rendered) {
    const names = { names: [shells[0]!.namespace] };
    const again = await runRenderPipeline([{ imps: { ...imps, spec: { ...imps.spec, target: { secret: imps.spec.target.secret, namespaces: names } } } }], {
      cluster: deps.cache.reader(),
      tokens: deps.tokens,
      redactor: deps.redactor,
      consent: deps.consent,
    });
    rendered = again.outcomes[0]?.secrets[0];
    if (!rendered) return { wrote: false, refused };
  }
  const expiresAt = rendered.metadata.annotations?.[EXPIRES_AT_ANNOTATION];
  let wrote = false;
  for (const shell of shells) {
    // The type is not compared: it cannot change, and comparing it would patch a mistyped shell forever.
    if (shell.dataHash === hashData(rendered.data) && shell.annotations[EXPIRES_AT_ANNOTATION] === expiresAt) continue;
    // Only data and the expiry: labels, annotations and ownership stay as the GitOps tool applied them.
    const patch = {
      metadata: { resourceVersion: shell.resourceVersion, annotations: { [EXPIRES_AT_ANNOTATION]: expiresAt ?? null } },
      data: rendered.data,
    };
    remember(deps, await patchSecret(deps.http, shell.namespace, shell.name, patch));
    deps.metrics.secretWrites.inc({ operation: 'fill' });
    wrote = true;
  }
  return { wrote, refused };
}

/** Secrets this controller created for the CR with `uid`: owner reference to it, and not a shell. */
export function ownedBy(cache: ClusterCache, uid: string): SecretFacts[] {
  if (!uid) return [];
  return [...cache.secrets.store.values()].filter((secret) => secret.ownerUids.includes(uid) && shellOwner(secret.annotations) === undefined);
}

/**
 * Removes Secrets we created for ImagePullSecrets that no longer exist (deleted, possibly while we were down).
 * Only Secrets with an ImagePullSecret owner reference qualify: rendered Secrets applied by GitOps carry the owner
 * label too, but no owner reference, and are never ours to delete.
 */
export async function sweepOrphans(deps: ReconcileDeps): Promise<void> {
  const live = new Set([...deps.cache.imps.store.values()].map((entry) => entry.uid));
  for (const secret of [...deps.cache.secrets.store.values()]) {
    if (secret.ownerUids.length === 0 || secret.ownerUids.some((uid) => live.has(uid)) || shellOwner(secret.annotations) !== undefined) continue;
    try {
      await deleteSecret(deps.http, secret.namespace, secret.name, secret.uid, secret.resourceVersion);
      deps.metrics.secretWrites.inc({ operation: 'delete' });
      deps.log.info('deleted Secret of a deleted ImagePullSecret', { secret: `${secret.namespace}/${secret.name}`, owner: secret.labels[OWNER_LABEL] });
    } catch (error) {
      deps.log.warn('cannot delete orphaned Secret', { secret: `${secret.namespace}/${secret.name}`, error: deps.redactor.redact(error instanceof Error ? error.message : String(error)) });
    }
  }
}

/** A Secret we will not write: counted for the ImpsKrmSecretsRefused alert, reported by the caller (status, Event). */
function refused(deps: ReconcileDeps, reason: SecretRefusalReason, message: string, cause?: unknown): Error {
  deps.metrics.secretsRefused.inc({ reason });
  return new Error(message, cause === undefined ? undefined : { cause });
}

/** Writes land in the cache at once, so a reconcile right after ours sees our resourceVersion. */
function remember(deps: ReconcileDeps, response: unknown): void {
  const facts = secretFacts(response);
  if (facts) deps.cache.secrets.store.set(`${facts.namespace}/${facts.name}`, facts);
}

function sameMap(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
