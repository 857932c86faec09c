import { ADDED_PULL_SECRETS_ANNOTATION, PULL_SECRETS_PATCHED_LABEL } from '../../core/contract.js';
import { imagePullSecretsMergePatch, parseAddedPullSecrets, planRecordedImagePullSecrets } from '../../core/service-accounts.js';
import type { ImagePullSecret } from '../../generated/image-pull-secret.js';
import { KubeApiError } from '../../adapters/kube/kube-http.js';
import { patchServiceAccount, readServiceAccount } from '../../adapters/kube/writes.js';
import { serviceAccountFacts, type ServiceAccountFacts } from './cluster-cache.js';
import type { ReconcileDeps } from './reconcile-deps.js';
import type { Failure } from './status.js';

// ServiceAccount `imagePullSecrets` upkeep (msi-acrpull parity, `spec.target.serviceAccounts`): live merge patches
// planned by the core planner. Which entries are ours is recorded on the ServiceAccount itself
// (ADDED_PULL_SECRETS_ANNOTATION): an entry written by hand is never recorded, so never removed.

/** A conflict means someone wrote the ServiceAccount between our read and our patch: re-read and re-plan. */
const MAX_ATTEMPTS = 5;

/**
 * Adds the target Secret to the named ServiceAccounts in every selected namespace and removes this CR's entries
 * everywhere else. `held` are namespaces where the target Secret could not be written this time: their
 * ServiceAccounts are left as they are (neither added to nor cleaned), so a transient failure never removes an
 * entry. A missing ServiceAccount is skipped: its watch brings it when Kubernetes creates it, and we patch then.
 */
export async function reconcileServiceAccounts(
  imps: ImagePullSecret,
  selected: ReadonlySet<string>,
  held: ReadonlySet<string>,
  deps: ReconcileDeps,
): Promise<{ failures: Failure[]; wrote: boolean; retryAfterSeconds?: number | undefined }> {
  const owner = imps.metadata.name;
  const target = imps.spec.target.secret.name;
  const names = new Set(imps.spec.target.serviceAccounts ?? []);
  const candidates = new Map<string, ServiceAccountFacts>();
  for (const name of names) {
    for (const sa of deps.cache.serviceAccountsNamed(name)) if (selected.has(sa.namespace)) candidates.set(`${sa.namespace}/${sa.name}`, sa);
  }
  for (const sa of deps.cache.patchedServiceAccounts.store.values()) {
    if (parseAddedPullSecrets(sa.added).has(owner)) candidates.set(`${sa.namespace}/${sa.name}`, sa);
  }
  const failures: Failure[] = [];
  let wrote = false;
  let retryAfterSeconds: number | undefined;
  for (const sa of [...candidates.values()].sort((a, b) => compare(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`))) {
    if (held.has(sa.namespace)) continue;
    const wanted = selected.has(sa.namespace) && names.has(sa.name) ? [target] : [];
    try {
      wrote = (await upkeep(deps, sa.namespace, sa.name, owner, wanted)) || wrote;
    } catch (error) {
      if (error instanceof KubeApiError && error.retryAfterSeconds !== undefined) retryAfterSeconds = Math.max(retryAfterSeconds ?? 0, error.retryAfterSeconds);
      const message = deps.redactor.redact(error instanceof Error ? error.message : String(error));
      failures.push({ reason: 'ServiceAccountPatchError', message: `ServiceAccount ${sa.namespace}/${sa.name}: ${message}` });
    }
  }
  return { failures, wrote, retryAfterSeconds };
}

/** Removes the entries recorded for ImagePullSecrets that no longer exist (deleted, possibly while we were down). */
export async function sweepServiceAccounts(deps: ReconcileDeps): Promise<void> {
  const live = new Set(deps.cache.imps.store.keys());
  for (const sa of [...deps.cache.patchedServiceAccounts.store.values()]) {
    for (const owner of parseAddedPullSecrets(sa.added).keys()) {
      if (live.has(owner)) continue;
      try {
        await upkeep(deps, sa.namespace, sa.name, owner, []);
      } catch (error) {
        deps.log.warn('cannot clean ServiceAccount of a deleted ImagePullSecret', {
          serviceAccount: `${sa.namespace}/${sa.name}`,
          owner,
          error: deps.redactor.redact(error instanceof Error ? error.message : String(error)),
        });
      }
    }
  }
}

/** Plans and writes one owner's entries on one ServiceAccount; returns whether it wrote. */
async function upkeep(deps: ReconcileDeps, namespace: string, name: string, owner: string, wanted: readonly string[]): Promise<boolean> {
  let facts = deps.cache.serviceAccount(namespace, name);
  for (let attempt = 1; facts; attempt++) {
    const { plan, record, recordChanged } = planRecordedImagePullSecrets(facts.imagePullSecrets, facts.added, owner, wanted);
    if (!plan.changed && !recordChanged) return false;
    const precondition = { resourceVersion: facts.resourceVersion };
    const patch = {
      ...imagePullSecretsMergePatch({ metadata: precondition }, plan),
      metadata: {
        ...precondition,
        labels: { [PULL_SECRETS_PATCHED_LABEL]: record === undefined ? null : 'true' },
        annotations: { [ADDED_PULL_SECRETS_ANNOTATION]: record ?? null },
      },
    };
    try {
      const updated = serviceAccountFacts(await patchServiceAccount(deps.http, namespace, name, patch));
      if (updated) deps.cache.rememberServiceAccount(updated);
      deps.log.info('patched ServiceAccount imagePullSecrets', { imagePullSecret: owner, serviceAccount: `${namespace}/${name}`, added: plan.added, removed: plan.removed });
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return false; // deleted meanwhile: nothing to keep
      if (!(error instanceof KubeApiError && error.status === 409) || attempt >= MAX_ATTEMPTS) throw error;
      facts = await reread(deps, namespace, name);
    }
  }
  return false;
}

async function reread(deps: ReconcileDeps, namespace: string, name: string): Promise<ServiceAccountFacts | undefined> {
  try {
    return serviceAccountFacts(await readServiceAccount(deps.http, namespace, name));
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    throw error;
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
