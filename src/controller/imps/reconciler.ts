import type { Gauge } from 'prom-client';
import { runRenderPipeline, sourceId, type ImpsOutcome } from '../../app/render-pipeline.js';
import { KubeApiError } from '../../adapters/kube/kube-http.js';
import { deleteSecret, patchImpsStatus } from '../../adapters/kube/writes.js';
import { inlineSourceKey, parseInlineSource } from '../../core/inline-sources.js';
import { parseSource, type SourceParse } from '../../core/sources.js';
import { impsEntry, type ImpsEntry } from './cluster-cache.js';
import type { ReconcileDeps } from './reconcile-deps.js';
import { reconcileServiceAccounts, sweepServiceAccounts } from './service-account-patches.js';
import { buildStatus, statusChanged, statusPatch, type Failure, type ReconcileReport } from './status.js';
import { ensureSecret, fillShells, ownedBy, sweepOrphans } from './target-secrets.js';

export type { ReconcileDeps } from './reconcile-deps.js';

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
    // References before Secrets, as msi-acrpull: a ServiceAccount never names a Secret we have just deleted.
    await sweepServiceAccounts(deps);
    await sweepOrphans(deps);
    await dropInlineExpiries(name, 0, deps);
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
    const result = await runRenderPipeline([{ imps: entry.imps }], { cluster: deps.cache.reader(), tokens: deps.tokens, redactor: deps.redactor, consent: deps.consent });
    outcome = result.outcomes[0];
    if (!outcome) failures.push(...result.problems.map((problem) => ({ reason: 'ReconciliationFailed' as const, message: problem.message })));
    for (const problem of outcome?.problems ?? []) {
      if (problem.severity === 'error') failures.push({ reason: 'SourceCredentialsError', message: problem.source ? `source ${problem.source}: ${problem.message}` : problem.message });
      else deps.log.warn(problem.message, { imagePullSecret: name });
    }
  }

  if (entry.imps && outcome) {
    const imps = entry.imps;
    const held = new Set<string>();
    for (const manifest of outcome.secrets) {
      try {
        wrote = (await ensureSecret(imps, entry.uid, manifest, deps)) || wrote;
      } catch (error) {
        held.add(manifest.metadata.namespace);
        failures.push({ reason: 'SecretReconciliationError', message: `Secret ${manifest.metadata.namespace}/${manifest.metadata.name}: ${noteApiError(error)}` });
      }
    }
    try {
      const shells = await fillShells(imps, outcome, deps);
      wrote = shells.wrote || wrote;
      failures.push(...shells.refused.map((message) => ({ reason: 'SourceCredentialsError' as const, message })));
    } catch (error) {
      failures.push({ reason: 'SecretReconciliationError', message: `shells: ${noteApiError(error)}` });
    }
    // The namespaces every source allows: a Secret this CR made in a namespace a source no longer allows (its owner
    // took the namespace out of imps-krm.io/allowed-namespaces) is removed below, like one no longer selected.
    const selected = new Set(outcome.namespaces);
    // Only after a render where no source failed: a failed one renders no Secret, and its ServiceAccount entries stay
    // as they are. After the Secrets (an entry names a Secret that exists) and before the deletions (never one that
    // is gone). A failed patch is reported but never touches a Secret.
    if (!outcome.failed) {
      const patched = await reconcileServiceAccounts(imps, selected, held, deps).catch((error: unknown) => ({
        failures: [{ reason: 'ServiceAccountPatchError' as const, message: `ServiceAccounts: ${noteApiError(error)}` }],
        wrote: false,
        retryAfterSeconds: undefined,
      }));
      failures.push(...patched.failures);
      if (patched.retryAfterSeconds !== undefined) retryAfter = Math.max(retryAfter ?? 0, patched.retryAfterSeconds);
    }
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

async function writeStatus(entry: ImpsEntry, report: ReconcileReport, deps: ReconcileDeps): Promise<void> {
  const status = buildStatus(report, entry.status, deps.timers.now());
  if (!statusChanged(entry.status, status, report.wrote)) return;
  const redacted = JSON.parse(deps.redactor.redact(JSON.stringify(statusPatch(entry.status, status)))) as Record<string, unknown>;
  const updated = impsEntry(await patchImpsStatus(deps.http, entry.name, redacted));
  // The watch will bring the same object; remembering it now keeps the next reconcile from writing it again.
  if (updated) deps.cache.imps.store.set(updated.key, updated.value);
}

/**
 * Per source: the expiry of its cached token; static logins never expire and have no series. Inline sources are
 * labelled `<ImagePullSecret>.inline[<index>]`: unlike a Secret, an inline entry belongs to one CR.
 */
async function recordExpiries(entry: ImpsEntry, deps: ReconcileDeps): Promise<void> {
  const record = (id: string, parsed: SourceParse | undefined): void => {
    const request = parsed?.ok && parsed.plan.kind === 'token' ? parsed.plan.request : undefined;
    const expiresAt = request ? deps.tokens.expiryOf(request) : undefined;
    const renewAt = request ? deps.tokens.renewalOf(request) : undefined;
    setTimestamp(deps.metrics.tokenExpiry, id, expiresAt);
    setTimestamp(deps.metrics.tokenRenewal, id, expiresAt && renewAt);
  };
  for (const ref of entry.imps?.spec.registry.credentials ?? []) {
    const secret = await deps.cache.reader().readSecret(ref.namespace, ref.name);
    record(sourceId(ref), secret ? parseSource(secret) : undefined);
  }
  const inline = entry.imps?.spec.registry.inline ?? [];
  for (const [index, source] of inline.entries()) {
    record(inlineSourceKey(entry.name, index), parseInlineSource(source));
  }
  await dropInlineExpiries(entry.name, inline.length, deps);
}

/**
 * Removes the series of a CR's inline entries from index `keep` on (all of them once the CR is gone). An inline
 * entry exists only in its CR, so nothing else would ever remove them, and an expiry alert would fire for a source
 * that no longer exists.
 */
async function dropInlineExpiries(name: string, keep: number, deps: ReconcileDeps): Promise<void> {
  const prefix = inlineSourceKey(name, 0).replace(/\d+\]$/, '');
  for (const { labels } of (await deps.metrics.tokenExpiry.get()).values) {
    const source = String(labels.source ?? '');
    const index = source.startsWith(prefix) ? /^(\d+)\]$/.exec(source.slice(prefix.length))?.[1] : undefined;
    if (index !== undefined && Number(index) >= keep) {
      deps.metrics.tokenExpiry.remove({ source });
      deps.metrics.tokenRenewal.remove({ source });
    }
  }
}

/** A per-source timestamp gauge in Unix seconds; no series when there is no time (a static login never expires). */
function setTimestamp(gauge: Gauge<'source'>, source: string, at: Date | undefined): void {
  if (at) gauge.set({ source }, Math.floor(at.getTime() / 1000));
  else gauge.remove({ source });
}

