import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The controller's Prometheus metrics, in their own registry so tests can run several controllers side by side. */
export interface ControllerMetrics {
  readonly registry: Registry;
  readonly tokenExpiry: Gauge<'source'>;
  readonly refreshes: Counter<'result'>;
  readonly reconcileDuration: Histogram<'result'>;
  readonly apiRequests: Counter<'verb' | 'code'>;
  readonly apiErrors: Counter<'verb' | 'code'>;
  readonly secretWrites: Counter<'operation'>;
  readonly leader: Gauge;
}

export function createMetrics(options: { processMetrics?: boolean } = {}): ControllerMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'imps_krm_' });
  const registers = [registry];
  return {
    registry,
    tokenExpiry: new Gauge({
      name: 'imps_krm_token_expiry_timestamp_seconds',
      help: 'Expiry of the credentials of each source: Secret (<namespace>.<name>) or inline (<ImagePullSecret>.inline[<index>]), Unix seconds; absent when nothing expires.',
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
      help: 'Writes to target Secrets by operation (create, update, fill, delete).',
      labelNames: ['operation'],
      registers,
    }),
    leader: new Gauge({ name: 'imps_krm_leader', help: '1 while this replica holds the leader Lease.', registers }),
  };
}
