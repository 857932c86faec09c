import type { Condition, ImagePullSecretStatus } from '../../generated/image-pull-secret.js';
import { formatTime } from '../../core/render.js';

/** One reconcile's findings; the status is computed from all of them at once, never step by step. */
export interface ReconcileReport {
  readonly generation: number | undefined;
  readonly failures: readonly Failure[];
  /** The namespaces that hold this ImagePullSecret's Secret (or a filled shell) after the reconcile. */
  readonly namespaces: readonly string[];
  readonly sourceStatus: Readonly<Record<string, string>>;
  readonly expiresAt: Date | undefined;
  /** The earliest renewal time of its sources' cached tokens; undefined when nothing expires. */
  readonly nextRenewal?: Date | undefined;
  /** A Secret was written: the time fields of the status are worth a write. */
  readonly wrote: boolean;
}

export type FailureReason = 'InvalidSpec' | 'SourceCredentialsError' | 'SecretReconciliationError' | 'SecretDeletionError' | 'ServiceAccountPatchError' | 'ReconciliationFailed';

export interface Failure {
  readonly reason: FailureReason;
  readonly message: string;
  /**
   * A decision, not a fault: an invalid spec, a Secret something else holds, a source that does not consent.
   * Retrying cannot change it; it is reported and looked at again when an input changes (a watch event).
   * Everything else (API and registry errors) is retried with backoff.
   */
  readonly terminal?: boolean;
}

/**
 * IMPS-compatible status plus observedGeneration and a Ready condition. Ready only when every step succeeded: a
 * failed write is never hidden by sources that were fine (the IMPS controller overwrote Failed with Ready).
 */
export function buildStatus(report: ReconcileReport, previous: ImagePullSecretStatus | undefined, now: Date): ImagePullSecretStatus {
  const ok = report.failures.length === 0;
  const reason = report.failures.map((failure) => failure.message).join('; ');
  const previousReady = previous?.conditions?.find((condition) => condition.type === 'Ready');
  const readyStatus: Condition['status'] = ok ? 'True' : 'False';
  const condition: Condition = {
    type: 'Ready',
    status: readyStatus,
    reason: ok ? 'Reconciled' : (report.failures[0]?.reason ?? 'ReconciliationFailed'),
    message: ok ? `Secret present and valid in ${report.namespaces.length} namespace(s)` : reason,
    lastTransitionTime: previousReady?.status === readyStatus && previousReady.lastTransitionTime ? previousReady.lastTransitionTime : formatTime(now),
    ...(report.generation !== undefined ? { observedGeneration: report.generation } : {}),
  };
  const lastSuccess = ok ? formatTime(now) : previous?.lastSuccessfulReconciliation;
  return {
    status: ok ? 'Ready' : 'Failed',
    reason: ok ? '' : reason,
    ...(lastSuccess ? { lastSuccessfulReconciliation: lastSuccess } : {}),
    // IMPS's meaning: seconds to the earliest expiry, and no field at all when nothing expires (its omitempty 0).
    ...(report.expiresAt ? { validitySeconds: Math.max(0, Math.floor((report.expiresAt.getTime() - now.getTime()) / 1000)) } : {}),
    ...(report.nextRenewal ? { nextRenewal: formatTime(report.nextRenewal) } : {}),
    managedNamespaces: [...report.namespaces],
    sourceSecretStatus: { ...report.sourceStatus },
    ...(report.generation !== undefined ? { observedGeneration: report.generation } : {}),
    conditions: [condition],
  };
}

/**
 * Whether `next` says something `previous` does not. Time fields alone (validity counting down, the last success
 * moving on) do not justify a write on every reconcile; they are refreshed when a Secret is written.
 */
export function statusChanged(previous: ImagePullSecretStatus | undefined, next: ImagePullSecretStatus, wrote: boolean): boolean {
  if (!previous || wrote) return true;
  const material = (status: ImagePullSecretStatus): string =>
    JSON.stringify([
      status.status,
      status.reason ?? '',
      status.managedNamespaces ?? [],
      Object.entries(status.sourceSecretStatus ?? {}).sort(),
      status.observedGeneration,
      status.nextRenewal ?? '',
      (status.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message]),
    ]);
  return material(previous) !== material(next);
}

/** A merge patch replaces maps key by key: keys that went away (a field, a source) must be sent as null. */
export function statusPatch(previous: ImagePullSecretStatus | undefined, next: ImagePullSecretStatus): Record<string, unknown> {
  const sources: Record<string, string | null> = { ...next.sourceSecretStatus };
  for (const key of Object.keys(previous?.sourceSecretStatus ?? {})) if (!(key in sources)) sources[key] = null;
  const patch: Record<string, unknown> = { ...next, sourceSecretStatus: sources };
  for (const key of Object.keys(previous ?? {})) if (!(key in patch)) patch[key] = null;
  return patch;
}
