import type { KubeHttp } from '../../adapters/kube/kube-http.js';
import type { Redactor } from '../../core/redaction.js';
import type { TokenProvider } from '../../ports/tokens.js';
import type { BackoffPolicy } from '../runtime/backoff.js';
import type { Logger } from '../runtime/logger.js';
import type { ControllerMetrics } from '../runtime/metrics.js';
import type { Timers } from '../runtime/timers.js';
import type { RenewalPolicy } from '../runtime/token-cache.js';

/** What both long-running modes (`controller`, `refresh`) are built from; tests pass fakes for each. */
export interface ProcessDeps {
  readonly http: KubeHttp;
  readonly tokens: TokenProvider;
  readonly timers: Timers;
  readonly log: Logger;
  readonly metrics: ControllerMetrics;
  readonly redactor?: Redactor;
  readonly backoff?: BackoffPolicy;
  readonly renewal?: RenewalPolicy;
}
