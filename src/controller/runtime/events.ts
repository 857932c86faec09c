import { createEvent, type EventInput } from '../../adapters/kube/writes.js';
import type { KubeHttp } from '../../adapters/kube/kube-http.js';
import type { Redactor } from '../../core/redaction.js';
import type { ImpsEntry } from '../imps/cluster-cache.js';
import type { Logger } from './logger.js';
import type { Failure } from '../imps/status.js';
import type { Timers } from './timers.js';

export const COMPONENT = 'imps-krm-controller';
/** The only namespace a core/v1 Event about a cluster-scoped object may live in. */
export const EVENT_NAMESPACE = 'default';

/**
 * Kubernetes Events for an ImagePullSecret: a Warning per failure reason when its message changes (not one per
 * retry), and a Normal `Reconciled` when it becomes healthy again. ImagePullSecrets are cluster-scoped, so their
 * events go to `default`: the API server refuses a core/v1 Event about a cluster-scoped object anywhere else
 * (pkg/apis/core/validation/events.go legacyValidateEvent: `involvedObject.namespace: ... does not match
 * event.namespace`), and kubectl looks for them there.
 */
export class EventRecorder {
  readonly #last = new Map<string, string>();

  constructor(private readonly deps: { http: KubeHttp; timers: Timers; log: Logger; redactor: Redactor }) {}

  async record(entry: ImpsEntry, failures: readonly Failure[]): Promise<void> {
    const messages = new Map<string, string>();
    for (const failure of failures) messages.set(failure.reason, [messages.get(failure.reason), failure.message].filter(Boolean).join('; '));
    const previous = this.#last.get(entry.name);
    const key = JSON.stringify([...messages]);
    if (key === previous) return;
    this.#last.set(entry.name, key);
    const events: Array<Pick<EventInput, 'type' | 'reason' | 'message'>> = [...messages].map(([reason, message]) => ({ type: 'Warning', reason, message }));
    if (messages.size === 0 && previous !== undefined) events.push({ type: 'Normal', reason: 'Reconciled', message: 'Successfully reconciled selected secrets' });
    if (messages.size === 0 && previous === undefined) return;
    for (const event of events) {
      try {
        await createEvent(this.deps.http, {
          ...event,
          message: this.deps.redactor.redact(event.message),
          namespace: EVENT_NAMESPACE,
          involved: { apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', name: entry.name, uid: entry.uid || undefined },
          component: COMPONENT,
          time: this.deps.timers.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        });
      } catch (error) {
        // Events are best effort: failing to report must not fail the reconcile.
        this.deps.log.warn('cannot create event', { imagePullSecret: entry.name, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  forget(name: string): void {
    this.#last.delete(name);
  }
}
