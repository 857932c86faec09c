import { KubeApiError } from '../../adapters/kube/kube-http.js';
import { readSecret } from '../../adapters/kube/writes.js';
import { runRenderPipeline, type ImpsOutcome } from '../../app/render-pipeline.js';
import { MSI_ACRPULL_FINALIZER } from '../../core/acr-pull-binding.js';
import { EXPIRES_AT_ANNOTATION } from '../../core/contract.js';
import type { SecretFacts } from '../../core/facts.js';
import { errorMessage } from '../../core/problems.js';
import { planSecrets, type PlanOwner, type SecretPlanInput } from '../../core/secret-plan.js';
import { serviceAccountPatch } from '../../core/service-accounts.js';
import { BINDING_SOURCE_ID } from '../../core/source-refs.js';
import type { TokenRequest } from '../../core/tokens.js';
import { execute } from '../imps/executor.js';
import { hashData, secretFacts } from '../imps/facts.js';
import type { ReconcileDeps } from '../imps/reconcile-deps.js';
import { sweep, type ReconcileResult } from '../imps/reconciler.js';
import type { Failure } from '../imps/status.js';
import { bindingPath, type BindingEntry } from './binding-facts.js';
import { bindingStatus, bindingStatusPatch } from './binding-status.js';

// msi-acrpull's controller job for one AcrPullBinding, done with the ImagePullSecret machinery: the binding's
// translation (core/acr-pull-binding.ts) goes through the same render pipeline, planner (core/secret-plan.ts) and
// executor (the only writer of Secrets and ServiceAccounts). What is the binding's own: its status fields, its
// Secret living in its namespace only, and msi-acrpull's finalizer, handled as msi-acrpull handled it.

/** The CRD the binding's kind is defined by, to tell a binding being deleted from a CRD being deleted. */
const crdPath = (apiVersion: string): string => `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/acrpullbindings.${apiVersion.slice(0, apiVersion.indexOf('/'))}`;

const MAX_FINALIZE_PASSES = 3;

export async function reconcileBinding(key: string, deps: ReconcileDeps): Promise<ReconcileResult> {
  const entry = deps.cache.binding(key);
  // Gone: its Secret goes with it (owner reference, garbage collector); entries it recorded in ServiceAccounts are
  // swept with those of deleted ImagePullSecrets (imps/reconciler.ts sweep).
  if (!entry) {
    deps.refusals.forget(key);
    forgetToken(key, deps);
    return sweep(deps);
  }
  const subject = { acrPullBinding: `${entry.namespace}/${entry.name}` };
  if (entry.deleting) {
    const held = await heldByCrdDeletion(entry, deps);
    if ('error' in held) return report(entry, [{ reason: 'ReconciliationFailed', message: held.error }], undefined, deps);
    if (!held.held) return finalize(entry, deps, subject);
    // The CRD is being deleted (helm uninstall of msi-acrpull's chart, kubectl delete -f of its CRD): every binding
    // goes with it, and with each its Secret. Holding the finalizer keeps the Secrets, still renewed, until someone
    // decides; docs/migrating-from-msi-acrpull.md says how to get out.
    deps.log.error('AcrPullBinding CRD is being deleted: keeping the finalizer and the Secret', subject);
    const kept = await reconcileLive(entry, deps, subject);
    return report(entry, [...kept.failures, { reason: 'ReconciliationFailed', message: `the CRD of this binding is being deleted: the finalizer ${MSI_ACRPULL_FINALIZER} is kept so its Secret stays (see docs/migrating-from-msi-acrpull.md)`, terminal: true }], kept.outcome, deps);
  }
  const live = await reconcileLive(entry, deps, subject);
  return report(entry, live.failures, live.outcome, deps);
}

async function reconcileLive(entry: BindingEntry, deps: ReconcileDeps, subject: Record<string, string>): Promise<{ failures: Failure[]; outcome: ImpsOutcome | undefined }> {
  const failures: Failure[] = [];
  if (!entry.valid) return { failures: [{ reason: 'InvalidSpec', message: `invalid spec: ${entry.problems.join('; ')}`, terminal: true }], outcome: undefined };
  const { input, target } = entry.valid;
  const result = await runRenderPipeline([input], { cluster: deps.cache.reader(), tokens: deps.tokens, redactor: deps.redactor, consent: deps.consent });
  const outcome = result.outcomes[0];
  if (!outcome) return { failures: result.problems.map((problem) => ({ reason: 'ReconciliationFailed', message: problem.message })), outcome: undefined };
  for (const problem of outcome.problems) {
    if (problem.severity === 'error') failures.push({ reason: 'SourceCredentialsError', message: problem.message, terminal: !outcome.failed });
    else deps.log.warn(problem.message, { ...subject, ...(problem.field ? { field: problem.field } : {}) });
  }
  const owner: PlanOwner = { apiVersion: entry.apiVersion, name: entry.key, uid: entry.uid, binding: { name: entry.name } };
  let secrets: SecretFacts[];
  try {
    secrets = await secretsOf(entry, target.secretName, deps);
  } catch (error) {
    return { failures: [...failures, { reason: 'SecretReconciliationError', message: `Secret ${entry.namespace}/${target.secretName}: ${deps.redactor.redact(errorMessage(error))}` }], outcome };
  }
  const rendered = outcome.secrets[0];
  const input_: SecretPlanInput = {
    owner,
    target: target.secretName,
    serviceAccounts: [target.serviceAccount],
    failed: outcome.failed,
    selected: outcome.namespaces,
    denied: outcome.deniedNamespaces,
    desired: outcome.secrets.map((manifest) => ({ manifest, dataHash: hashData(manifest.data) })),
    // A binding's logins are its namespace's (its own workload identity, or an identity lent to that namespace): a
    // shell naming it anywhere else is never filled, whoever wrote it.
    shellPayload: rendered ? { data: rendered.data, dataHash: hashData(rendered.data), expiresAt: rendered.metadata.annotations?.[EXPIRES_AT_ANNOTATION] } : undefined,
    shellDenials: (namespace) => (namespace === entry.namespace ? outcome.namespaceDenials(namespace) : [`an AcrPullBinding's Secret belongs in its own namespace ${entry.namespace}`]),
    secrets,
    serviceAccountFacts: deps.cache.serviceAccountsFor([target.serviceAccount]),
  };
  const execution = await execute(planSecrets(input_), undefined, deps, subject);
  failures.push(...execution.failures);
  deps.refusals.record(entry.key, execution.refusals);
  // msi-acrpull's rule: the ServiceAccount must exist (it lists the Secret there). Watched: its creation retries.
  if (!outcome.failed && outcome.namespaces.includes(entry.namespace) && !deps.cache.serviceAccount(entry.namespace, target.serviceAccount)) {
    failures.push({ reason: 'ServiceAccountPatchError', message: `service account "${target.serviceAccount}" not found`, terminal: true });
  }
  return { failures, outcome };
}

/**
 * What sits at the binding's Secret: the caches hold ours (owner label) and shells; msi-acrpull's Secret before its
 * adoption, or anyone else's, is read once by name. One GET per binding until the Secret is ours, none after.
 */
async function secretsOf(entry: BindingEntry, secretName: string, deps: ReconcileDeps): Promise<SecretFacts[]> {
  const cached = deps.cache.secretsConcerning({ name: entry.key, uid: entry.uid, target: secretName, binding: { name: entry.name } });
  if (cached.some((secret) => secret.namespace === entry.namespace && secret.name === secretName)) return cached;
  try {
    const facts = secretFacts(await readSecret(deps.http, entry.namespace, secretName));
    return facts ? [...cached, facts] : cached;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return cached;
    throw error;
  }
}

/** Whether the binding's CRD is being deleted (then its finalizer is held); an error when that cannot be known. */
async function heldByCrdDeletion(entry: BindingEntry, deps: ReconcileDeps): Promise<{ held: boolean } | { error: string }> {
  if (!entry.finalizers.includes(MSI_ACRPULL_FINALIZER)) return { held: false };
  try {
    const crd = await deps.http.request('GET', crdPath(entry.apiVersion));
    const meta = (crd as { metadata?: { deletionTimestamp?: unknown } } | undefined)?.metadata;
    return { held: meta?.deletionTimestamp !== undefined && meta.deletionTimestamp !== null };
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return { held: false };
    return { error: `cannot tell whether the AcrPullBinding CRD is being deleted, so the finalizer stays: ${deps.redactor.redact(errorMessage(error))}` };
  }
}

/**
 * msi-acrpull's clean-up on deletion (cleanUp): the ServiceAccount entry first, then its finalizer. The entry
 * msi-acrpull listed is taken over first (recorded), then removed: an entry leaves a ServiceAccount only when our
 * record held it, which the admission policy checks. The Secret goes with the binding (garbage collector).
 */
async function finalize(entry: BindingEntry, deps: ReconcileDeps, subject: Record<string, string>): Promise<ReconcileResult> {
  if (!entry.finalizers.includes(MSI_ACRPULL_FINALIZER)) return { ok: true, retry: false };
  const target = entry.valid?.target;
  const names = target ? [target.serviceAccount] : [];
  for (let pass = 1; pass <= MAX_FINALIZE_PASSES; pass++) {
    const entries = [{ owner: entry.key, wanted: [], ...(target ? { claim: [target.secretName] } : {}) }];
    const accounts = deps.cache.serviceAccountsFor(names).filter((sa) => sa.namespace === entry.namespace);
    const actions = accounts.flatMap((sa) => {
      const change = serviceAccountPatch(sa, entries);
      return change ? [{ kind: 'patch-service-account' as const, namespace: sa.namespace, name: sa.name, entries, ...change }] : [];
    });
    if (actions.length === 0) break;
    const execution = await execute({ actions, current: [] }, undefined, deps, subject);
    if (execution.failures.length > 0) return report(entry, execution.failures, undefined, deps);
    if (pass === MAX_FINALIZE_PASSES) return report(entry, [{ reason: 'ServiceAccountPatchError', message: 'the ServiceAccount entry could not be removed' }], undefined, deps);
  }
  const finalizers = entry.finalizers.filter((finalizer) => finalizer !== MSI_ACRPULL_FINALIZER);
  try {
    await deps.http.request('PATCH', bindingPath(entry.apiVersion, entry.namespace, entry.name), {
      body: { metadata: { resourceVersion: entry.resourceVersion, finalizers } },
      contentType: 'application/merge-patch+json',
    });
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return { ok: true, retry: false };
    return { ok: false, retry: true, ...(error instanceof KubeApiError && error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}) };
  }
  deps.log.info('AcrPullBinding finalized', { ...subject, finalizer: MSI_ACRPULL_FINALIZER });
  return { ok: true, retry: false };
}

/** Writes msi-acrpull's status fields when they change; logs and returns the result of the reconcile. */
async function report(entry: BindingEntry, failures: readonly Failure[], outcome: ImpsOutcome | undefined, deps: ReconcileDeps): Promise<ReconcileResult> {
  const subject = { acrPullBinding: `${entry.namespace}/${entry.name}` };
  const request = outcome?.sources[0]?.tokenRequest?.();
  if (request) recordToken(entry.key, request, subject, deps);
  const ok = failures.length === 0;
  const status = bindingStatus(
    {
      errors: failures.map((failure) => failure.message),
      refreshedAt: ok && request ? deps.tokens.fetchedAtOf(request) : undefined,
      expiresAt: ok ? outcome?.expiresAt : undefined,
    },
    entry.status,
  );
  const patch = bindingStatusPatch(entry.status, status);
  let retryAfter: number | undefined;
  const all = [...failures];
  if (patch) {
    try {
      const redacted = JSON.parse(deps.redactor.redact(JSON.stringify(patch))) as Record<string, unknown>;
      // No write-through: the entry read before this reconcile may be stale by now (the binding deleted meanwhile), and
      // writing it back would hide that. The watch brings the new status; our own status writes trigger nothing.
      await deps.http.request('PATCH', `${bindingPath(entry.apiVersion, entry.namespace, entry.name)}/status`, { body: { status: redacted }, contentType: 'application/merge-patch+json' });
    } catch (error) {
      if (error instanceof KubeApiError && error.retryAfterSeconds !== undefined) retryAfter = error.retryAfterSeconds;
      all.push({ reason: 'ReconciliationFailed', message: `status: ${deps.redactor.redact(errorMessage(error))}` });
    }
  }
  deps.metrics.refreshes.inc({ result: all.length === 0 ? 'success' : 'failure' });
  if (all.length > 0) deps.log.warn('reconcile failed', { ...subject, failures: all.map((failure) => failure.message) });
  else deps.log.debug('reconciled', subject);
  return { ok: all.length === 0, retry: all.some((failure) => !failure.terminal), retryAfterSeconds: retryAfter };
}

/** The metric series of a binding's token: `<ownerName>.acr`, its source key (core/source-refs.ts). */
const tokenSeries = (key: string): string => `${key}.${BINDING_SOURCE_ID}`;

/**
 * The binding's token in the expiry and renewal gauges (the alerts of deploy/monitoring read them), and one info line
 * when a token is obtained or renewed, as for an ImagePullSecret's sources.
 */
function recordToken(key: string, request: TokenRequest, subject: Record<string, string>, deps: ReconcileDeps): void {
  const source = tokenSeries(key);
  const expiresAt = deps.tokens.expiryOf(request);
  const renewAt = deps.tokens.renewalOf(request);
  if (!expiresAt) return;
  deps.metrics.tokenExpiry.set({ source }, Math.floor(expiresAt.getTime() / 1000));
  if (renewAt) deps.metrics.tokenRenewal.set({ source }, Math.floor(renewAt.getTime() / 1000));
  if (deps.tokenExpiries.get(source) === expiresAt.getTime()) return;
  const first = !deps.tokenExpiries.has(source);
  deps.tokenExpiries.set(source, expiresAt.getTime());
  deps.log.info(first ? 'token obtained' : 'token renewed', { ...subject, source, expiresAt: expiresAt.toISOString(), nextRenewal: renewAt?.toISOString() });
}

function forgetToken(key: string, deps: ReconcileDeps): void {
  const source = tokenSeries(key);
  deps.metrics.tokenExpiry.remove({ source });
  deps.metrics.tokenRenewal.remove({ source });
  deps.tokenExpiries.delete(source);
}
