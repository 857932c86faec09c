import { formatTime } from '../../core/render.js';
import type { AcrPullBindingStatus } from '../../generated/acr-pull-binding-v1beta2.js';

// msi-acrpull's status on a binding (api/v1beta2 AcrPullBindingStatus, the same in v1beta1): when the token in the
// Secret was obtained, when it expires, and the error of the last reconcile (absent once it succeeds). The printer
// columns of deploy/acrpull/crd show them.

export interface BindingReport {
  /** Every failure of the reconcile, one message each; empty on success. */
  readonly errors: readonly string[];
  /** The token in the Secret: when it was obtained and when it expires (unknown until one is minted). */
  readonly refreshedAt?: Date | undefined;
  readonly expiresAt?: Date | undefined;
}

/** The status to hold: times of the token (kept from before while none is known), the error if any. */
export function bindingStatus(report: BindingReport, previous: AcrPullBindingStatus | undefined): AcrPullBindingStatus {
  const refreshed = report.refreshedAt ? formatTime(report.refreshedAt) : previous?.lastTokenRefreshTime;
  const expires = report.expiresAt ? formatTime(report.expiresAt) : previous?.tokenExpirationTime;
  return {
    ...(refreshed ? { lastTokenRefreshTime: refreshed } : {}),
    ...(expires ? { tokenExpirationTime: expires } : {}),
    ...(report.errors.length > 0 ? { error: report.errors.join('; ') } : {}),
  };
}

/** A merge patch from `previous` to `next` (fields that went away as null), or undefined when nothing changes. */
export function bindingStatusPatch(previous: AcrPullBindingStatus | undefined, next: AcrPullBindingStatus): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  for (const key of ['lastTokenRefreshTime', 'tokenExpirationTime', 'error'] as const) {
    if (previous?.[key] === next[key]) continue;
    patch[key] = next[key] ?? null;
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}
