import { runRenderPipeline, sourceId, type ImpsOutcome } from '../app/render-pipeline.js';
import { parseSource } from '../core/sources.js';
import { EXPIRES_AT_ANNOTATION, ownerLabelValue, OWNER_LABEL, shellOwner } from '../core/contract.js';
import type { Redactor } from '../core/redaction.js';
import type { PullSecretManifest } from '../core/render.js';
import type { ImagePullSecret } from '../generated/image-pull-secret.js';
import { KubeApiError, type KubeHttp } from '../adapters/kube/kube-http.js';
import { createSecret, deleteSecret, patchImpsStatus, patchSecret, readSecret, replaceSecret, type SecretBody } from '../adapters/kube/writes.js';
import { hashData, impsEntry, secretFacts, type ClusterCache, type ImpsEntry, type SecretFacts } from './cluster-cache.js';
import type { Logger } from './logger.js';
import type { ControllerMetrics } from './metrics.js';
import { buildStatus, statusChanged, statusPatch, type Failure, type ReconcileReport } from './status.js';
import type { Timers } from './timers.js';
import type { TokenCache } from './token-cache.js';
import { EventRecorder } from './events.js';

export interface ReconcileDeps {
  readonly http: KubeHttp;
  readonly cache: ClusterCache;
  readonly tokens: TokenCache;
  readonly redactor: Redactor;
  readonly timers: Timers;
  readonly log: Logger;
  readonly metrics: ControllerMetrics;
  readonly events: EventRecorder;
}

export interface ReconcileResult {
  readonly ok: boolean;
  /** The longest Retry-After any API answer asked for. */
  readonly retryAfterSeconds?: number | undefined;
}

/**
 * Brings one ImagePullSecret's Secrets to the desired state: the target Secret in every selected namespace, every
 * shell naming it filled, and the Secrets it created elsewhere (deselected namespace, old target name) removed.
 * Renders through the same pipeline as every face; reads come from the caches, tokens from the token cache.
 * Never deletes or empties a valid Secret because something failed: on failure it writes nothing for that step.
 */
export async function reconcileImps(name: string, deps: ReconcileDeps): Promise<ReconcileResult> {
  const entry = deps.cache.imps.store.get(name);
  if (!entry) {
    await sweepOrphans(deps);
    return { ok: true };
  }
  const started = performance.now();
  const failures: Failure[] = [];
  let retryAfter: number | undefined;
  let wrote = false;
  const noteApiError = (error: unknown): string => {
    if (error instanceof KubeApiError && error.retryAfterSeconds !== undefined) retryAfter = Math.max(retryAfter ?? 0, error.retryAfterSeconds);
    return deps.redactor.redact(error instanceof Error ? error.message : String(error));
  };

  let outcome: ImpsOutcome | undefined;
  if (!entry.imps) {
    failures.push({ reason: 'InvalidSpec', message: `invalid spec: ${entry.problems.join('; ')}` });
  } else {
    const result = await runRenderPipeline([{ imps: entry.imps }], { cluster: deps.cache.reader(), tokens: deps.tokens, redactor: deps.redactor });
    outcome = result.outcomes[0];
    if (!outcome) failures.push(...result.problems.map((problem) => ({ reason: 'ReconciliationFailed' as const, message: problem.message })));
    for (const problem of outcome?.problems ?? []) {
      if (problem.severity === 'error') failures.push({ reason: 'SourceCredentialsError', message: problem.source ? `source ${problem.source}: ${problem.message}` : problem.message });
      else deps.log.warn(problem.message, { imagePullSecret: name });
    }
  }

  if (entry.imps && outcome) {
    const imps = entry.imps;
    for (const manifest of outcome.secrets) {
      try {
        wrote = (await ensureSecret(imps, entry.uid, manifest, deps)) || wrote;
      } catch (error) {
        failures.push({ reason: 'SecretReconciliationError', message: `Secret ${manifest.metadata.namespace}/${manifest.metadata.name}: ${noteApiError(error)}` });
      }
    }
    try {
      wrote = (await fillShells(imps, outcome, deps)) || wrote;
    } catch (error) {
      failures.push({ reason: 'SecretReconciliationError', message: `shells: ${noteApiError(error)}` });
    }
    const selected = new Set(outcome.namespaces);
    for (const secret of ownedBy(deps.cache, entry.uid)) {
      if (selected.has(secret.namespace) && secret.name === imps.spec.target.secret.name) continue;
      try {
        await deleteSecret(deps.http, secret.namespace, secret.name, secret.uid, secret.resourceVersion);
        deps.metrics.secretWrites.inc({ operation: 'delete' });
        deps.log.info('deleted Secret no longer selected', { imagePullSecret: name, secret: `${secret.namespace}/${secret.name}` });
      } catch (error) {
        failures.push({ reason: 'SecretDeletionError', message: `cannot remove Secret ${secret.namespace}/${secret.name}: ${noteApiError(error)}` });
      }
    }
  }

  const report: ReconcileReport = {
    generation: entry.generation,
    failures,
    namespaces: outcome?.namespaces ?? [],
    sourceStatus: outcome?.sourceStatus ?? {},
    expiresAt: outcome?.expiresAt,
    wrote,
  };
  await writeStatus(entry, report, deps).catch((error: unknown) => {
    failures.push({ reason: 'ReconciliationFailed', message: `status: ${noteApiError(error)}` });
  });
  await deps.events.record(entry, failures);
  await recordExpiries(entry, deps);
  const ok = failures.length === 0;
  deps.metrics.refreshes.inc({ result: ok ? 'success' : 'failure' });
  deps.metrics.reconcileDuration.observe({ result: ok ? 'success' : 'failure' }, (performance.now() - started) / 1000);
  if (!ok) deps.log.warn('reconcile failed', { imagePullSecret: name, failures: failures.map((failure) => failure.message) });
  else deps.log.debug('reconciled', { imagePullSecret: name, namespaces: report.namespaces.length, wrote });
  return { ok, retryAfterSeconds: retryAfter };
}

/** Creates or replaces one target Secret; returns whether it wrote. Secrets we do not own are never touched. */
async function ensureSecret(imps: ImagePullSecret, uid: string, manifest: PullSecretManifest, deps: ReconcileDeps): Promise<boolean> {
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
        throw new Error('a Secret with this name exists and is not managed by imps-krm; not overwriting it', { cause: error });
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
    throw new Error(`owned by another ImagePullSecret (${existing.labels[OWNER_LABEL] ?? 'unknown'}); not overwriting it`);
  }
  if (existing.ownerUids.length === 0 && uid) {
    // Rendered by a GitOps face with token material and applied by GitOps: ours to fill only as a shell.
    throw new Error('rendered and applied by GitOps (no owner reference); not overwriting it: render it with output: shells to have it filled here');
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
 * (the render saw other manifests). They get the same payload, rendered for their namespace by the pipeline.
 */
async function fillShells(imps: ImagePullSecret, outcome: ImpsOutcome, deps: ReconcileDeps): Promise<boolean> {
  const shells = [...deps.cache.secrets.store.values()].filter((secret) => shellOwner(secret.annotations) === imps.metadata.name);
  if (shells.length === 0 || outcome.problems.some((problem) => problem.severity === 'error')) return false;
  let rendered = outcome.secrets[0];
  if (!rendered) {
    const names = { names: [shells[0]!.namespace] };
    const again = await runRenderPipeline([{ imps: { ...imps, spec: { ...imps.spec, target: { secret: imps.spec.target.secret, namespaces: names } } } }], {
      cluster: deps.cache.reader(),
      tokens: deps.tokens,
      redactor: deps.redactor,
    });
    rendered = again.outcomes[0]?.secrets[0];
    if (!rendered) return false;
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
  return wrote;
}

/** Secrets this controller created for the CR with `uid`: owner reference to it, and not a shell. */
function ownedBy(cache: ClusterCache, uid: string): SecretFacts[] {
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

async function writeStatus(entry: ImpsEntry, report: ReconcileReport, deps: ReconcileDeps): Promise<void> {
  const status = buildStatus(report, entry.status, deps.timers.now());
  if (!statusChanged(entry.status, status, report.wrote)) return;
  const redacted = JSON.parse(deps.redactor.redact(JSON.stringify(statusPatch(entry.status, status)))) as Record<string, unknown>;
  const updated = impsEntry(await patchImpsStatus(deps.http, entry.name, redacted));
  // The watch will bring the same object; remembering it now keeps the next reconcile from writing it again.
  if (updated) deps.cache.imps.store.set(updated.key, updated.value);
}

/** Per source: the expiry of its cached token; static logins never expire and have no series. */
async function recordExpiries(entry: ImpsEntry, deps: ReconcileDeps): Promise<void> {
  for (const ref of entry.imps?.spec.registry.credentials ?? []) {
    const id = sourceId(ref);
    const secret = await deps.cache.reader().readSecret(ref.namespace, ref.name);
    const parsed = secret ? parseSource(secret) : undefined;
    const expiresAt = parsed?.ok && parsed.plan.kind === 'token' ? deps.tokens.expiryOf(parsed.plan.request) : undefined;
    if (expiresAt) deps.metrics.tokenExpiry.set({ source: id }, Math.floor(expiresAt.getTime() / 1000));
    else deps.metrics.tokenExpiry.remove({ source: id });
  }
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
