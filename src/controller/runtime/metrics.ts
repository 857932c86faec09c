import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { SECRET_REFUSAL_REASONS } from '../../core/secret-ownership.js';

// Why the controller would not write a target Secret: a fixed list in the core (SECRET_REFUSAL_REASONS), so the
// `reason` label stays bounded and never carries a name or a value from the cluster; deploy/monitoring's
// ImpsKrmSecretsRefused alert counts every reason.
export { SECRET_REFUSAL_REASONS, type SecretRefusalReason } from '../../core/secret-ownership.js';

/** The controller's Prometheus metrics, in their own registry so tests can run several controllers side by side. */
export interface ControllerMetrics {
  readonly registry: Registry;
  readonly tokenExpiry: Gauge<'source'>;
  readonly tokenRenewal: Gauge<'source'>;
  readonly refreshes: Counter<'result'>;
  readonly reconcileDuration: Histogram<'result'>;
  readonly apiRequests: Counter<'verb' | 'code'>;
  readonly apiErrors: Counter<'verb' | 'code'>;
  readonly secretWrites: Counter<'operation'>;
  readonly secretsRefused: Counter<'reason'>;
  /** Target Secrets refused right now (a refusal waits for a change instead of being retried). */
  readonly refusedSecrets: Gauge<'reason'>;
  /** ImagePullSecrets whose last reconcile failed (an invalid spec waits for a change instead of being retried). */
  readonly failingImagePullSecrets: Gauge;
  readonly leader: Gauge;
}

export function createMetrics(options: { processMetrics?: boolean } = {}): ControllerMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'imps_krm_' });
  const registers = [registry];
  const metrics: ControllerMetrics = {
    registry,
    tokenExpiry: new Gauge({
      name: 'imps_krm_token_expiry_timestamp_seconds',
      help: 'Expiry of the credentials of each source: Secret (<namespace>.<name>) or inline (<ImagePullSecret>.inline[<index>]), Unix seconds; absent when nothing expires.',
      labelNames: ['source'],
      registers,
    }),
    tokenRenewal: new Gauge({
      name: 'imps_krm_token_renewal_timestamp_seconds',
      help: 'When the cached token of each source (same labels as imps_krm_token_expiry_timestamp_seconds) is due for renewal, Unix seconds; in the past while renewals fail.',
      labelNames: ['source'],
      registers,
    }),
    refreshes: new Counter({
      name: 'imps_krm_refresh_total',
      help: 'Reconciles of an ImagePullSecret that kept every target Secret valid (success) or did not (failure).',
      labelNames: ['result'],
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'imps_krm_reconcile_duration_seconds',
      help: 'Time to reconcile one ImagePullSecret, including token calls and writes.',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    apiRequests: new Counter({
      name: 'imps_krm_api_requests_total',
      help: 'Kubernetes API requests by verb (LIST, WATCH, GET, POST, PUT, PATCH, DELETE) and HTTP status (0: no answer).',
      labelNames: ['verb', 'code'],
      registers,
    }),
    apiErrors: new Counter({
      name: 'imps_krm_api_errors_total',
      help: 'Kubernetes API requests that failed: HTTP status >= 400, or 0 for network errors and timeouts.',
      labelNames: ['verb', 'code'],
      registers,
    }),
    secretWrites: new Counter({
      name: 'imps_krm_secret_writes_total',
      help: 'Writes to target Secrets by operation (create, update, adopt, fill, delete).',
      labelNames: ['operation'],
      registers,
    }),
    secretsRefused: new Counter({
      name: 'imps_krm_secrets_refused_total',
      help: 'Target Secrets the controller would not write because something else manages them, by reason; counted on every reconcile that meets one.',
      labelNames: ['reason'],
      registers,
    }),
    refusedSecrets: new Gauge({
      name: 'imps_krm_refused_secrets',
      help: 'Target Secrets the controller refuses to write right now because something else manages them, by reason (same reasons as imps_krm_secrets_refused_total).',
      labelNames: ['reason'],
      registers,
    }),
    failingImagePullSecrets: new Gauge({
      name: 'imps_krm_failing_image_pull_secrets',
      help: 'ImagePullSecrets whose last reconcile failed (status Failed), retried or waiting for a change.',
      registers,
    }),
    leader: new Gauge({ name: 'imps_krm_leader', help: '1 while this replica holds the leader Lease.', registers }),
  };
  // Series the alerts take increase() of exist from the start at 0: a counter whose series appears with its first
  // increment shows no increase until the second one (prometheus.io/docs/practices/instrumentation, "Avoid missing
  // metrics").
  for (const result of ['success', 'failure']) metrics.refreshes.inc({ result }, 0);
  for (const reason of SECRET_REFUSAL_REASONS) {
    metrics.secretsRefused.inc({ reason }, 0);
    metrics.refusedSecrets.set({ reason }, 0);
  }
  metrics.failingImagePullSecrets.set(0);
  return metrics;
}
