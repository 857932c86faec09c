import type { Gauge } from 'prom-client';
import { runRenderPipeline, type ImpsOutcome } from '../../app/render-pipeline.js';
import { KubeApiError } from '../../adapters/kube/kube-http.js';
import { patchImpsStatus } from '../../adapters/kube/writes.js';
import { EXPIRES_AT_ANNOTATION, shellOwner } from '../../core/contract.js';
import { inlineSourceKey } from '../../core/source-refs.js';
import { planOrphanSweep, planSecrets, planServiceAccountSweep, type SecretPlanInput, type ShellPayload } from '../../core/secret-plan.js';
import { parseAddedPullSecrets } from '../../core/service-accounts.js';
import type { ImagePullSecret } from '../../generated/image-pull-secret.js';
import { execute } from './executor.js';
import { hashData, impsEntry, type ImpsEntry } from './facts.js';
import type { ReconcileDeps } from './reconcile-deps.js';
import { buildStatus, statusChanged, statusPatch, type Failure, type ReconcileReport } from './status.js';

export type { ReconcileDeps } from './reconcile-deps.js';

export interface ReconcileResult {
  readonly ok: boolean;
  /** Some failure may heal by itself (API, network, registry): retry with backoff. Otherwise wait for a change. */
  readonly retry: boolean;
  /** The longest Retry-After any API answer asked for. */
  readonly retryAfterSeconds?: number | undefined;
}

/**
 * Brings one ImagePullSecret's Secrets to the desired state: render through the same pipeline as every face
 * (reads from the caches, tokens from the token cache), plan (core/secret-plan.ts, pure), execute (the only
 * writer), then compute the status once from everything that happened. Never deletes or empties a valid Secret
 * because something failed: a failed render plans no write.
 */
export async function reconcileImps(name: string, deps: ReconcileDeps): Promise<ReconcileResult> {
  const entry = deps.cache.imps.items.get(name);
  if (!entry) {
    const result = await sweep(deps);
    await dropInlineExpiries(name, 0, deps);
    deps.refusals.forget(name);
    return result;
  }
  const started = deps.timers.now().getTime();
  const failures: Failure[] = [];
  let retryAfter: number | undefined;

  let outcome: ImpsOutcome | undefined;
  if (!entry.imps) {
    failures.push({ reason: 'InvalidSpec', message: `invalid spec: ${entry.problems.join('; ')}`, terminal: true });
  } else {
    const result = await runRenderPipeline([{ imps: entry.imps }], { cluster: deps.cache.reader(), tokens: deps.tokens, redactor: deps.redactor, consent: deps.consent });
    outcome = result.outcomes[0];
    if (!outcome) failures.push(...result.problems.map((problem) => ({ reason: 'ReconciliationFailed' as const, message: problem.message })));
    for (const problem of outcome?.problems ?? []) {
      // Without a failed source, the errors are consent decisions (a source that does not allow a namespace or this
      // ImagePullSecret): final until an annotation changes. A failed source may be a registry outage: retried.
      if (problem.severity === 'error') {
        failures.push({ reason: 'SourceCredentialsError', message: problem.source ? `source ${problem.source}: ${problem.message}` : problem.message, terminal: !outcome!.failed });
      } else {
        deps.log.warn(problem.message, { imagePullSecret: name });
      }
    }
  }

  // Before the writes, so that a line saying a token was renewed comes before the lines of the Secrets it updates.
  const nextRenewal = await recordExpiries(entry, outcome, deps);
  let wrote = false;
  let holding: readonly string[] = [];
  if (entry.imps && outcome) {
    const input = planInput(entry.imps, entry.uid, outcome, await shellPayload(entry.imps, outcome, deps), deps);
    const execution = await execute(planSecrets(input), name, deps);
    failures.push(...execution.failures);
    wrote = execution.wrote;
    holding = execution.holding;
    retryAfter = execution.retryAfterSeconds;
    deps.refusals.record(name, execution.refusals);
  }

  const report: ReconcileReport = {
    generation: entry.generation,
    failures,
    namespaces: holding,
    sourceStatus: outcome?.sourceStatus ?? {},
    expiresAt: outcome?.expiresAt,
    nextRenewal,
    wrote,
  };
  await writeStatus(entry, report, deps).catch((error: unknown) => {
    if (error instanceof KubeApiError && error.retryAfterSeconds !== undefined) retryAfter = Math.max(retryAfter ?? 0, error.retryAfterSeconds);
    failures.push({ reason: 'ReconciliationFailed', message: `status: ${deps.redactor.redact(error instanceof Error ? error.message : String(error))}` });
  });
  await deps.events.record(entry, failures);
  const ok = failures.length === 0;
  deps.metrics.refreshes.inc({ result: ok ? 'success' : 'failure' });
  deps.metrics.reconcileDuration.observe({ result: ok ? 'success' : 'failure' }, (deps.timers.now().getTime() - started) / 1000);
  if (!ok) deps.log.warn('reconcile failed', { imagePullSecret: name, failures: failures.map((failure) => failure.message) });
  else deps.log.debug('reconciled', { imagePullSecret: name, namespaces: holding.length, wrote });
  return { ok, retry: failures.some((failure) => !failure.terminal), retryAfterSeconds: retryAfter };
}

/** What the pure planner needs: the outcome, with digests of the rendered data, and the cached objects concerned. */
export function planInput(imps: ImagePullSecret, uid: string, outcome: ImpsOutcome, payload: ShellPayload | undefined, deps: Pick<ReconcileDeps, 'cache'>): SecretPlanInput {
  const target = imps.spec.target.secret.name;
  const serviceAccounts = imps.spec.target.serviceAccounts ?? [];
  return {
    owner: { apiVersion: imps.apiVersion, name: imps.metadata.name, uid, adoptFrom: imps.spec.target.secret.adoptFrom },
    target,
    serviceAccounts,
    failed: outcome.failed,
    selected: outcome.namespaces,
    denied: outcome.deniedNamespaces,
    desired: outcome.secrets.map((manifest) => ({ manifest, dataHash: hashData(manifest.data) })),
    repositoryCredentials: outcome.repositoryCredentials.map((manifest) => ({ manifest, dataHash: hashData(manifest.data) })),
    deniedRepositoryNamespaces: outcome.deniedRepositoryNamespaces,
    shellPayload: payload,
    shellDenials: outcome.namespaceDenials,
    secrets: deps.cache.secretsConcerning({
      name: imps.metadata.name,
      uid,
      target,
      also: new Set(outcome.repositoryCredentials.map(({ metadata }) => `${metadata.namespace}/${metadata.name}`)),
    }),
    serviceAccountFacts: deps.cache.serviceAccountsFor(serviceAccounts),
  };
}

/**
 * What shells naming this ImagePullSecret are filled with. Shells may sit in namespaces the controller's own
 * selection does not reach (the render saw other manifests): with no selected namespace there is no rendered Secret
 * to copy, so the payload is rendered for the namespace of a shell every source allows (I/O: tokens).
 */
async function shellPayload(imps: ImagePullSecret, outcome: ImpsOutcome, deps: ReconcileDeps): Promise<ShellPayload | undefined> {
  if (outcome.failed) return undefined;
  const shells = deps.cache.secretsConcerning({ name: imps.metadata.name, uid: '', target: imps.spec.target.secret.name }).filter((secret) => shellOwner(secret.annotations) === imps.metadata.name);
  const allowed = shells.find((shell) => outcome.namespaceDenials(shell.namespace).length === 0);
  if (!allowed) return undefined;
  let rendered = outcome.secrets[0];
  if (!rendered) {
    const names = { names: [allowed.namespace] };
    const again = await runRenderPipeline([{ imps: { ...imps, spec: { ...imps.spec, target: { secret: imps.spec.target.secret, namespaces: names } } } }], {
      cluster: deps.cache.reader(),
      tokens: deps.tokens,
      redactor: deps.redactor,
      consent: deps.consent,
    });
    rendered = again.outcomes[0]?.secrets[0];
  }
  if (!rendered?.data) return undefined;
  return { data: rendered.data, dataHash: hashData(rendered.data), expiresAt: rendered.metadata.annotations?.[EXPIRES_AT_ANNOTATION] };
}

/**
 * What a deleted ImagePullSecret leaves behind, possibly deleted while we were down: its ServiceAccount entries
 * (first: a ServiceAccount never names a Secret we have just deleted, as msi-acrpull orders it) and the Secrets we
 * created for it. Swept for every deleted ImagePullSecret at once; failures are retried.
 */
export async function sweep(deps: ReconcileDeps): Promise<ReconcileResult> {
  const live = [...deps.cache.imps.items.values()];
  const accounts = deps.cache.serviceAccountsFor([]);
  const liveNames = new Set([...live.map((entry) => entry.name), ...deps.cache.bindings().map((binding) => binding.key)]);
  // AcrPullBindings not watched (--acr-pull-bindings off): what they recorded is not ours to judge; kept.
  if (!deps.cache.watchesBindings) for (const sa of accounts) for (const owner of parseAddedPullSecrets(sa.added).keys()) if (owner.startsWith('acrpullbinding_')) liveNames.add(owner);
  const actions = [
    ...planServiceAccountSweep(accounts, liveNames),
    ...planOrphanSweep(deps.cache.labelledSecrets(), new Set(live.map((entry) => entry.uid))),
  ];
  if (actions.length === 0) return { ok: true, retry: false };
  const execution = await execute({ actions, current: [] }, undefined, deps);
  for (const failure of execution.failures) deps.log.warn('cannot clean up after a deleted ImagePullSecret', { error: failure.message });
  const ok = execution.failures.length === 0;
  return { ok, retry: !ok, retryAfterSeconds: execution.retryAfterSeconds };
}

async function writeStatus(entry: ImpsEntry, report: ReconcileReport, deps: ReconcileDeps): Promise<void> {
  const status = buildStatus(report, entry.status, deps.timers.now());
  if (!statusChanged(entry.status, status, report.wrote)) return;
  const redacted = JSON.parse(deps.redactor.redact(JSON.stringify(statusPatch(entry.status, status)))) as Record<string, unknown>;
  const updated = impsEntry(await patchImpsStatus(deps.http, entry.name, redacted));
  // The watch will bring the same object; remembering it now keeps the next reconcile from writing it again.
  if (updated) deps.cache.imps.writeThrough(updated.key, updated.value);
}

/**
 * Per source: the expiry of its cached token; static logins never expire and have no series. Inline sources are
 * labelled `<ImagePullSecret>.inline[<index>]`: unlike a Secret, an inline entry belongs to one CR. A token not
 * seen before gets one info line (source, expiry, next renewal). Returns the earliest renewal of the CR's tokens.
 */
async function recordExpiries(entry: ImpsEntry, outcome: ImpsOutcome | undefined, deps: ReconcileDeps): Promise<Date | undefined> {
  let next: Date | undefined;
  for (const source of outcome?.sources ?? []) {
    const id = source.key;
    const request = source.tokenRequest?.();
    const expiresAt = request ? deps.tokens.expiryOf(request) : undefined;
    const renewAt = request ? deps.tokens.renewalOf(request) : undefined;
    setTimestamp(deps.metrics.tokenExpiry, id, expiresAt);
    setTimestamp(deps.metrics.tokenRenewal, id, expiresAt && renewAt);
    if (expiresAt && renewAt && (!next || renewAt < next)) next = renewAt;
    if (expiresAt && deps.tokenExpiries.get(id) !== expiresAt.getTime()) {
      const first = !deps.tokenExpiries.has(id);
      deps.tokenExpiries.set(id, expiresAt.getTime());
      deps.log.info(first ? 'token obtained' : 'token renewed', { source: id, expiresAt: expiresAt.toISOString(), nextRenewal: renewAt?.toISOString() });
    }
  }
  await dropInlineExpiries(entry.name, entry.imps?.spec.registry.inline?.length ?? 0, deps);
  return next;
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
      deps.tokenExpiries.delete(source);
    }
  }
}

/** A per-source timestamp gauge in Unix seconds; no series when there is no time (a static login never expires). */
function setTimestamp(gauge: Gauge<'source'>, source: string, at: Date | undefined): void {
  if (at) gauge.set({ source }, Math.floor(at.getTime() / 1000));
  else gauge.remove({ source });
}
