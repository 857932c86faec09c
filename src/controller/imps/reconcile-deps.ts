import type { KubeHttp } from '../../adapters/kube/kube-http.js';
import type { RenderConsent } from '../../app/render-pipeline.js';
import type { Redactor } from '../../core/redaction.js';
import type { EventRecorder } from '../runtime/events.js';
import type { Logger } from '../runtime/logger.js';
import type { ControllerMetrics } from '../runtime/metrics.js';
import type { Timers } from '../runtime/timers.js';
import type { TokenCache } from '../runtime/token-cache.js';
import type { ClusterCache } from './cluster-cache.js';
import type { RefusalBook } from './refusals.js';

/** What reconciling one ImagePullSecret may use: the API client, the caches, tokens, and the process's plumbing. */
export interface ReconcileDeps {
  readonly http: KubeHttp;
  readonly cache: ClusterCache;
  readonly tokens: TokenCache;
  readonly redactor: Redactor;
  readonly timers: Timers;
  readonly log: Logger;
  readonly metrics: ControllerMetrics;
  readonly events: EventRecorder;
  /** The Secrets refused right now: logged once, counted by a gauge. */
  readonly refusals: RefusalBook;
  /** The token expiry last logged per source: one info line per token obtained or renewed. */
  readonly tokenExpiries: Map<string, number>;
  /** `--require-source-consent`; the controller renders with its own identity and for no Argo CD project. */
  readonly consent: RenderConsent;
}
