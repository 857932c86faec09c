import type { Gauge } from 'prom-client';
import { SECRET_REFUSAL_REASONS } from '../../core/secret-ownership.js';
import type { Logger } from '../runtime/logger.js';
import type { Refusal } from './executor.js';

/**
 * The Secrets each ImagePullSecret is refused right now. A refusal is logged once at info when it appears or its
 * reason changes (a reconcile repeats it on every input change), and the gauge counts the current ones by reason:
 * a refusal is not retried, so a counter of attempts would stop rising while the refusal lasts.
 */
export class RefusalBook {
  readonly #byImps = new Map<string, ReadonlyMap<string, Refusal>>();

  constructor(
    private readonly gauge: Gauge<'reason'>,
    private readonly log: Logger,
  ) {}

  record(imagePullSecret: string, refusals: readonly Refusal[]): void {
    const previous = this.#byImps.get(imagePullSecret);
    const next = new Map(refusals.map((refusal) => [`${refusal.namespace}/${refusal.name}`, refusal]));
    for (const [key, refusal] of next) {
      const before = previous?.get(key);
      if (before?.reason === refusal.reason && before.message === refusal.message) continue;
      this.log.info('Secret refused', { imagePullSecret, namespace: refusal.namespace, secret: refusal.name, reason: refusal.reason, detail: refusal.message });
    }
    if (next.size > 0) this.#byImps.set(imagePullSecret, next);
    else this.#byImps.delete(imagePullSecret);
    this.#count();
  }

  forget(imagePullSecret: string): void {
    this.#byImps.delete(imagePullSecret);
    this.#count();
  }

  #count(): void {
    const counts = new Map<string, number>(SECRET_REFUSAL_REASONS.map((reason) => [reason, 0]));
    for (const refusals of this.#byImps.values()) {
      for (const { reason } of refusals.values()) if (counts.has(reason)) counts.set(reason, counts.get(reason)! + 1);
    }
    for (const [reason, count] of counts) this.gauge.set({ reason }, count);
  }
}
