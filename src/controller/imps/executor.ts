import { KubeApiError, type KubeHttp } from '../../adapters/kube/kube-http.js';
import { createSecret, deleteSecret, patchSecret, patchServiceAccount, readServiceAccount } from '../../adapters/kube/writes.js';
import type { SecretFacts, ServiceAccountFacts } from '../../core/facts.js';
import type { Redactor } from '../../core/redaction.js';
import { SECRET_REFUSAL_REASONS, type SecretRefusalReason } from '../../core/secret-ownership.js';
import type { RefusalReason, SecretAction, SecretPlan } from '../../core/secret-plan.js';
import { serviceAccountPatch } from '../../core/service-accounts.js';
import type { Logger } from '../runtime/logger.js';
import type { ControllerMetrics } from '../runtime/metrics.js';
import { secretFacts, serviceAccountFacts } from './facts.js';
import type { Failure } from './status.js';

// Applies a plan (core/secret-plan.ts) through the API: the only code that writes target Secrets, shells and
// ServiceAccounts. Every write is conditional on what was read (resourceVersion in merge patches, uid and
// resourceVersion preconditions on deletes), lands in the cache at once (write-through), and gets one info line.

/** Where our own writes are remembered at once, so a reconcile right after ours plans from them. */
export interface WriteThrough {
  rememberSecret(facts: SecretFacts): void;
  forgetSecret(namespace: string, name: string): void;
  rememberServiceAccount(facts: ServiceAccountFacts): void;
}

export interface ExecutorDeps {
  readonly http: KubeHttp;
  readonly cache: WriteThrough;
  readonly log: Logger;
  readonly metrics: ControllerMetrics;
  readonly redactor: Redactor;
}

export interface Refusal {
  readonly namespace: string;
  readonly name: string;
  readonly reason: RefusalReason;
  readonly message: string;
}

export interface Execution {
  readonly failures: readonly Failure[];
  /** Something was written: the status's time fields are worth a write. */
  readonly wrote: boolean;
  /** Namespaces where a target Secret or a shell of this ImagePullSecret now holds its logins, sorted. */
  readonly holding: readonly string[];
  readonly refusals: readonly Refusal[];
  /** The longest Retry-After any API answer asked for. */
  readonly retryAfterSeconds: number | undefined;
}

/** A conflict on a ServiceAccount means someone wrote it between our read and our patch: re-read and re-plan. */
const MAX_SERVICE_ACCOUNT_ATTEMPTS = 5;

const isManagerRefusal = (reason: RefusalReason): reason is SecretRefusalReason => (SECRET_REFUSAL_REASONS as readonly string[]).includes(reason);

/**
 * Applies `plan` in order. A failed write is reported and the rest goes on, except that a ServiceAccount is never
 * patched in a namespace whose target Secret could not be written (it would name a Secret that is not there).
 */
export async function execute(
  plan: SecretPlan,
  imagePullSecret: string | undefined,
  deps: ExecutorDeps,
  /** Who the log lines are about when it is not an ImagePullSecret (an AcrPullBinding: `{ acrPullBinding: ns/name }`). */
  subject?: Readonly<Record<string, string>>,
): Promise<Execution> {
  const failures: Failure[] = [];
  const refusals: Refusal[] = [];
  const holding = new Set(plan.current.map((entry) => entry.namespace));
  const held = new Set<string>();
  let wrote = false;
  let writeFailed = false;
  let retryAfterSeconds: number | undefined;
  const about = (action: { namespace: string; name: string; role?: string | undefined }): Record<string, string> => ({
    ...(subject ?? (imagePullSecret ? { imagePullSecret } : {})),
    namespace: action.namespace,
    secret: action.name,
    ...(action.role ? { role: action.role } : {}),
  });
  const failed = (reason: Failure['reason'], subject: string, error: unknown): void => {
    if (error instanceof KubeApiError && error.retryAfterSeconds !== undefined) retryAfterSeconds = Math.max(retryAfterSeconds ?? 0, error.retryAfterSeconds);
    // API and network errors are retried with backoff, whatever their status: a 403 may be RBAC being fixed.
    failures.push({ reason, message: `${subject}: ${deps.redactor.redact(error instanceof Error ? error.message : String(error))}` });
  };

  for (const action of plan.actions) {
    switch (action.kind) {
      case 'refuse': {
        if (isManagerRefusal(action.reason)) {
          deps.metrics.secretsRefused.inc({ reason: action.reason });
          if (action.operation !== 'delete' && !action.role) held.add(action.namespace);
        }
        refusals.push({ namespace: action.namespace, name: action.name, reason: action.reason, message: action.message });
        failures.push(
          action.reason === 'source-consent'
            ? { reason: 'SourceCredentialsError', message: action.message, terminal: true }
            : action.operation === 'delete'
              ? { reason: 'SecretDeletionError', message: `Secret ${action.namespace}/${action.name}: ${action.message}`, terminal: true }
              : { reason: 'SecretReconciliationError', message: `Secret ${action.namespace}/${action.name}: ${action.message}`, terminal: true },
        );
        break;
      }
      case 'create':
      case 'patch':
      case 'adopt':
      case 'fill-shell': {
        try {
          const response =
            action.kind === 'create'
              ? await createSecret(deps.http, action.object)
              : await patchSecret(deps.http, action.namespace, action.name, action.patch);
          const facts = secretFacts(response);
          if (facts) deps.cache.rememberSecret(facts);
          wrote = true;
          // A repository credential is not the pull Secret: the status's namespaces are where the pull Secret is.
          if (!('role' in action && action.role)) holding.add(action.namespace);
          logWrite(action, about(action), deps);
        } catch (error) {
          writeFailed = true;
          const pull = !('role' in action && action.role);
          if (action.kind === 'create' && !pull && error instanceof KubeApiError && error.status === 409) {
            // A repository credential's name is not watched when the Secret there lacks our label (only target names
            // are): the create finds it. Refused like one seen in the cache, but retried: no event would say it left.
            const message = 'a Secret with this name exists and is not managed by imps-krm; not overwriting it';
            deps.metrics.secretsRefused.inc({ reason: 'not-managed' });
            refusals.push({ namespace: action.namespace, name: action.name, reason: 'not-managed', message });
            failures.push({ reason: 'SecretReconciliationError', message: `Secret ${action.namespace}/${action.name}: ${message}` });
            break;
          }
          if (action.kind !== 'fill-shell' && pull) held.add(action.namespace);
          // A Secret of ours that could not be updated still holds its earlier (valid) logins.
          if (action.kind === 'patch' && pull) holding.add(action.namespace);
          failed('SecretReconciliationError', action.kind === 'fill-shell' ? `shell ${action.namespace}/${action.name}` : `Secret ${action.namespace}/${action.name}`, error);
        }
        break;
      }
      case 'patch-service-account': {
        if (held.has(action.namespace)) break;
        try {
          wrote = (await patchAccount(action, deps, subject)) || wrote;
        } catch (error) {
          failed('ServiceAccountPatchError', `ServiceAccount ${action.namespace}/${action.name}`, error);
        }
        break;
      }
      case 'delete': {
        // As IMPS: its Secrets go only after a pass in which every write succeeded.
        if (action.imps && writeFailed) break;
        try {
          await deleteSecret(deps.http, action.namespace, action.name, action.uid, action.resourceVersion);
          deps.cache.forgetSecret(action.namespace, action.name);
          deps.metrics.secretWrites.inc({ operation: 'delete' });
          wrote = true;
          deps.log.info('Secret deleted', { ...about(action), reason: DELETION_REASONS[action.cause], ...(action.imps ? { writtenBy: 'IMPS' } : {}) });
        } catch (error) {
          failed('SecretDeletionError', `cannot remove Secret ${action.namespace}/${action.name}`, error);
        }
        break;
      }
    }
  }
  return { failures, wrote, holding: [...holding].sort(), refusals, retryAfterSeconds };
}

const DELETION_REASONS = {
  deselected: 'namespace no longer selected',
  renamed: 'target Secret renamed',
  'not-allowed': 'a source no longer allows the namespace',
  orphaned: 'its ImagePullSecret was deleted',
  dropped: 'repository credential no longer asked for',
} as const;

function logWrite(action: Extract<SecretAction, { kind: 'create' | 'patch' | 'adopt' | 'fill-shell' }>, fields: Record<string, string>, deps: ExecutorDeps): void {
  switch (action.kind) {
    case 'create':
      deps.metrics.secretWrites.inc({ operation: 'create' });
      deps.log.info('Secret created', { ...fields, reason: 'not there yet' });
      break;
    case 'patch':
      deps.metrics.secretWrites.inc({ operation: 'update' });
      deps.log.info('Secret updated', { ...fields, reason: `out of date: ${action.changed.join(', ')}`, changed: action.changed });
      break;
    case 'adopt':
      deps.metrics.secretWrites.inc({ operation: 'adopt' });
      deps.log.info('Secret adopted', { ...fields, reason: `written by ${action.from}`, from: action.from });
      break;
    case 'fill-shell':
      deps.metrics.secretWrites.inc({ operation: 'fill' });
      deps.log.info('shell filled', { ...fields, reason: 'a shell naming this ImagePullSecret' });
      break;
  }
}

/** Applies one ServiceAccount patch; on a conflict re-reads and re-plans. Returns whether it wrote. */
async function patchAccount(action: Extract<SecretAction, { kind: 'patch-service-account' }>, deps: ExecutorDeps, subject?: Readonly<Record<string, string>>): Promise<boolean> {
  const { namespace, name } = action;
  let change: { patch: unknown; added: readonly string[]; removed: readonly string[] } | undefined = action;
  for (let attempt = 1; change; attempt++) {
    try {
      const updated = serviceAccountFacts(await patchServiceAccount(deps.http, namespace, name, change.patch));
      if (updated) deps.cache.rememberServiceAccount(updated);
      deps.log.info('ServiceAccount patched', { ...(subject ?? { imagePullSecrets: action.entries.map((entry) => entry.owner) }), namespace, serviceAccount: name, added: change.added, removed: change.removed });
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return false; // deleted meanwhile: nothing to keep
      if (!(error instanceof KubeApiError && error.status === 409) || attempt >= MAX_SERVICE_ACCOUNT_ATTEMPTS) throw error;
      const facts = await reread(deps.http, namespace, name);
      if (facts) deps.cache.rememberServiceAccount(facts);
      change = facts && serviceAccountPatch(facts, action.entries);
    }
  }
  return false;
}

async function reread(http: KubeHttp, namespace: string, name: string): Promise<ServiceAccountFacts | undefined> {
  try {
    return serviceAccountFacts(await readServiceAccount(http, namespace, name));
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    throw error;
  }
}
