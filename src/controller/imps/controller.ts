import { sourceId } from '../../core/source-refs.js';
import { ownerLabelValue, OWNER_LABEL, shellOwner } from '../../core/contract.js';
import { parseAddedPullSecrets } from '../../core/service-accounts.js';
import { IMPS_OWNER_UID_LABEL, impsOwnerUids } from '../../core/secret-ownership.js';
import type { PodFacts } from '../../core/facts.js';
import { compileTarget, type TargetMatcher } from '../../core/targets.js';
import { ExpiringRedactor } from '../runtime/expiring-redactor.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../runtime/backoff.js';
import type { SecretFacts, ServiceAccountFacts } from '../../core/facts.js';
import { ClusterCache, type BindingWatchOptions, type ImpsEntry } from './cluster-cache.js';
import type { BindingEntry } from '../acrpull/binding-facts.js';
import { reconcileBinding } from '../acrpull/binding-reconciler.js';
import { isBindingOwnerRef } from '../../core/secret-ownership.js';
import { EventRecorder } from '../runtime/events.js';
import { reconcileImps, sweep, type ReconcileDeps, type ReconcileResult } from './reconciler.js';
import { RefusalBook } from './refusals.js';
import { DEFAULT_RENEWAL, TokenCache } from '../runtime/token-cache.js';
import { WorkQueue } from '../runtime/work-queue.js';
import type { ProcessDeps } from '../process/process-deps.js';

export interface ControllerOptions extends ProcessDeps {
  /**
   * `--require-source-consent`: a source Secret must name the ImagePullSecrets and namespaces that may use it
   * (imps-krm.io/allowed-image-pull-secrets, imps-krm.io/allowed-namespaces); absent annotations deny.
   */
  readonly requireSourceConsent?: boolean;
  /** `--acr-pull-bindings`: also keep msi-acrpull's AcrPullBindings (deploy/acrpull). */
  readonly acrPullBindings?: BindingWatchOptions | undefined;
}

/** Work-queue keys of AcrPullBindings are their ownerNames, which no ImagePullSecret name can be (they hold `_`). */
const isBindingKey = (key: string): boolean => key.startsWith('acrpullbinding_');

/** Batches bursts (a namespace created with its Pods, a relist) into one reconcile per CR, well inside 1 s. */
const DEBOUNCE_MS = 50;
/** Tokens no CR asked for in this long are dropped from memory. */
const TOKEN_IDLE_MS = 24 * 3600_000;

/**
 * The controller: caches fed by watches, a work queue of ImagePullSecret names, and reconciles. What triggers a
 * reconcile: the CR (spec change), a Namespace or a Pod that may change a selection, a source Secret, a target
 * Secret or shell changed by someone else, a token reaching its renewal time, or a retry after a failure. Nothing
 * polls.
 */
export class Controller {
  readonly cache: ClusterCache;
  readonly tokens: TokenCache;
  readonly #queue: WorkQueue;
  readonly #deps: ReconcileDeps;
  readonly #failures = new Map<string, number>();
  /** ImagePullSecrets whose last reconcile failed, for the imps_krm_failing_image_pull_secrets gauge. */
  readonly #failing = new Set<string>();
  readonly #matchers = new Map<string, TargetMatcher>();
  #renewal: { at: number; cancel: () => void } | undefined;
  /** The renewal time the timer last fired for. */
  #lastRenewal = -Infinity;
  #debounce: (() => void) | undefined;
  #started = false;

  constructor(private readonly options: ControllerOptions) {
    const redactor = options.redactor ?? new ExpiringRedactor(options.timers);
    const backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.tokens = new TokenCache(options.tokens, options.timers, options.renewal ?? DEFAULT_RENEWAL);
    this.cache = new ClusterCache(
      { http: options.http, timers: options.timers, log: options.log, backoff },
      {
        imps: (type, name, value, previous) => this.#onImps(type, name, value, previous),
        namespace: () => this.#enqueueAllSoon(),
        pod: (pod, previous) => this.#onPod(pod, previous),
        secret: (facts, previous) => this.#onSecret(facts ?? previous),
        source: (id) => this.#forEachImps((entry) => (entry.imps?.spec.registry.credentials ?? []).some((ref) => sourceId(ref) === id)),
        serviceAccount: (facts) => this.#onServiceAccount(facts),
        binding: (type, key, value, previous) => this.#onBinding(type, key, value, previous),
      },
      options.acrPullBindings,
    );
    this.#deps = {
      http: options.http,
      cache: this.cache,
      tokens: this.tokens,
      redactor,
      timers: options.timers,
      log: options.log,
      metrics: options.metrics,
      events: new EventRecorder({ http: options.http, timers: options.timers, log: options.log, redactor }),
      consent: { requireConsent: options.requireSourceConsent ?? false },
      refusals: new RefusalBook(options.metrics.refusedSecrets, options.log),
      tokenExpiries: new Map(),
    };
    this.#queue = new WorkQueue(options.timers, (name) => this.#reconcile(name));
  }

  get ready(): boolean {
    return this.#started && this.cache.synced;
  }

  /** Starts the watches; reconciles begin once the caches hold a full list. */
  async start(): Promise<void> {
    this.cache.start();
    await this.cache.whenSynced();
    await this.#refreshWatches();
    this.#started = true;
    await sweep(this.#deps);
    for (const name of this.#keys()) this.#queue.add(name);
    this.options.log.info('controller started', {
      imagePullSecrets: this.cache.imps.items.size,
      ...(this.cache.watchesBindings ? { acrPullBindings: this.cache.bindings().length } : {}),
      namespaces: this.cache.namespaces.items.size,
    });
  }

  /** Resolves when no reconcile is queued or running: for tests and shutdown. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  async stop(): Promise<void> {
    this.#renewal?.cancel();
    this.#debounce?.();
    await this.#queue.stop();
    await this.cache.stop();
  }

  async #reconcile(name: string): Promise<void> {
    if (!this.#started) return;
    let result: ReconcileResult;
    try {
      result = isBindingKey(name) ? await reconcileBinding(name, this.#deps) : await reconcileImps(name, this.#deps);
    } catch (error) {
      this.options.log.error('reconcile crashed', { [isBindingKey(name) ? 'acrPullBinding' : 'imagePullSecret']: name, error: this.#deps.redactor.redact(error instanceof Error ? error.message : String(error)) });
      result = { ok: false, retry: true };
    }
    if (result.ok || !result.retry) {
      // Healthy, or failing for a reason only a change can cure (invalid spec, a Secret in the way, no consent):
      // the next reconcile comes from a watch event, not from a backoff timer.
      this.#failures.delete(name);
      if (!result.ok) this.options.log.debug('waiting for a change', { imagePullSecret: name });
    } else {
      const failures = (this.#failures.get(name) ?? 0) + 1;
      this.#failures.set(name, failures);
      this.#queue.addAfter(name, backoffDelay(this.options.backoff ?? DEFAULT_BACKOFF, failures, result.retryAfterSeconds));
    }
    if (!result.ok && (this.cache.imps.items.has(name) || this.cache.binding(name) !== undefined)) this.#failing.add(name);
    else this.#failing.delete(name);
    this.options.metrics.failingImagePullSecrets.set(this.#failing.size);
    this.#armRenewal();
  }

  /** One timer, at the earliest renewal of any cached token: then every CR is visited, the due tokens renewed once. */
  #armRenewal(): void {
    const now = this.options.timers.now();
    this.tokens.prune(new Date(now.getTime() - TOKEN_IDLE_MS));
    if (this.#deps.redactor instanceof ExpiringRedactor) this.#deps.redactor.forgetOlderThan(new Date(now.getTime() - TOKEN_IDLE_MS));
    const next = this.tokens.nextRenewal();
    // Past due (the time came while a reconcile ran) fires at once. Each time fires once: a visit of every CR renews
    // whatever is due, so a time still past after it belongs to a token no CR uses any more (pruned later) or to a
    // renewal that failed (its CRs retry with backoff), and firing again would spin.
    if (!next || next.getTime() <= this.#lastRenewal) return;
    if (this.#renewal && this.#renewal.at === next.getTime()) return;
    this.#renewal?.cancel();
    const armed = { at: next.getTime(), cancel: () => undefined as void };
    this.#renewal = armed;
    armed.cancel = this.options.timers.at(next, () => {
      if (this.#renewal === armed) this.#renewal = undefined;
      this.#lastRenewal = armed.at;
      this.options.log.info('token renewal due', { at: next.toISOString() });
      for (const key of this.#keys()) this.#queue.add(key);
    });
  }

  /** Every ImagePullSecret and AcrPullBinding, by work-queue key. */
  #keys(): string[] {
    return [...this.cache.imps.items.keys(), ...this.cache.bindings().map((binding) => binding.key)];
  }

  #onBinding(type: string, key: string, value: BindingEntry | undefined, previous: BindingEntry | undefined): void {
    // Our own status and finalizer writes change the binding too: only spec changes, deletion and add/delete matter.
    const same = value && previous && value.generation === previous.generation && value.uid === previous.uid && value.deleting === previous.deleting;
    if (type === 'MODIFIED' && same) return;
    if (!this.#started) return;
    void this.#refreshWatches().then(() => this.#queue.add(key));
  }

  #onImps(type: string, name: string, value: ImpsEntry | undefined, previous: ImpsEntry | undefined): void {
    if (value?.imps) this.#matchers.set(name, compileTarget(value.imps.spec.target));
    else this.#matchers.delete(name);
    // Our own status writes change the CR too; only spec changes (generation) and adds/deletes need a reconcile.
    if (type === 'MODIFIED' && value?.generation === previous?.generation && value?.uid === previous?.uid) return;
    if (type === 'DELETED') this.#deps.events.forget(name);
    if (!this.#started) return;
    // Source watches first: a reconcile before they hold their Secret would report it missing.
    void this.#refreshWatches().then(() => this.#queue.add(name));
  }

  /** A new Pod matters only to CRs selecting by Pods that it matches (or matched before the change). */
  #onPod(pod: PodFacts, previous: PodFacts | undefined): void {
    for (const [name, matcher] of this.#matchers) {
      if (matcher.wantsPods && (matcher.matchesPod(pod) || (previous !== undefined && matcher.matchesPod(previous)))) this.#enqueueSoon(name);
    }
  }

  /**
   * Someone changed or deleted a Secret we manage (repair it), a shell appeared (fill it), or a Secret at a target
   * name came or went (a refusal may be over, or begin).
   */
  #onSecret(facts: SecretFacts | undefined): void {
    if (!facts) return;
    const shell = shellOwner(facts.annotations);
    const owner = facts.labels[OWNER_LABEL];
    const uids = impsOwnerUids(facts);
    const fromImps = facts.labels[IMPS_OWNER_UID_LABEL];
    this.#forEachImps(
      (entry) =>
        entry.name === shell ||
        uids.includes(entry.uid) ||
        ownerLabelValue(entry.name) === owner ||
        entry.uid === fromImps ||
        entry.imps?.spec.target.secret.name === facts.name,
    );
    const bindingUids = facts.ownerReferences.filter(isBindingOwnerRef).map((ref) => ref.uid);
    for (const binding of this.cache.bindings()) {
      const mine =
        binding.key === shell ||
        bindingUids.includes(binding.uid) ||
        ownerLabelValue(binding.key) === owner ||
        (binding.namespace === facts.namespace && binding.valid?.target.secretName === facts.name);
      if (mine) this.#enqueueSoon(binding.key);
    }
  }

  /** A ServiceAccount appeared or changed: the CRs that list its name, or whose entries it records, look again. */
  #onServiceAccount(facts: ServiceAccountFacts): void {
    const recorded = parseAddedPullSecrets(facts.added);
    this.#forEachImps((entry) => recorded.has(entry.name) || (entry.imps?.spec.target.serviceAccounts?.includes(facts.name) ?? false));
    for (const binding of this.cache.bindings()) {
      if (recorded.has(binding.key) || (binding.namespace === facts.namespace && binding.valid?.target.serviceAccount === facts.name)) this.#enqueueSoon(binding.key);
    }
  }

  #forEachImps(predicate: (entry: ImpsEntry) => boolean): void {
    for (const entry of this.cache.imps.items.values()) if (predicate(entry)) this.#enqueueSoon(entry.name);
  }

  readonly #soon = new Set<string>();
  #enqueueSoon(name: string): void {
    if (!this.#started) return;
    this.#soon.add(name);
    this.#debounce ??= this.options.timers.at(new Date(this.options.timers.now().getTime() + DEBOUNCE_MS), () => {
      this.#debounce = undefined;
      for (const key of this.#soon) this.#queue.add(key);
      this.#soon.clear();
    });
  }

  #enqueueAllSoon(): void {
    for (const name of this.cache.imps.items.keys()) this.#enqueueSoon(name);
  }

  /**
   * Source Secret watches follow the CRs; the Pod watch runs only while some CR selects by Pods; one ServiceAccount
   * watch per name listed in some CR's `serviceAccounts` (cluster-wide, `metadata.name=<name>`: one object per
   * namespace at most, where an unfiltered watch would hold every ServiceAccount of the cluster).
   */
  async #refreshWatches(): Promise<void> {
    const refs = new Map<string, { namespace: string; name: string }>();
    const serviceAccounts = new Set<string>();
    const targets = new Set<string>();
    let pods = false;
    for (const entry of this.cache.imps.items.values()) {
      for (const ref of entry.imps?.spec.registry.credentials ?? []) refs.set(sourceId(ref), ref);
      if (entry.imps) targets.add(entry.imps.spec.target.secret.name);
      for (const name of entry.imps?.spec.target.serviceAccounts ?? []) serviceAccounts.add(name);
      if (entry.imps && compileTarget(entry.imps.spec.target).wantsPods) pods = true;
      if (entry.imps && !this.#matchers.has(entry.name)) this.#matchers.set(entry.name, compileTarget(entry.imps.spec.target));
    }
    // A binding's Secret is read by name when not ours yet (binding-reconciler.ts): no watch per target name.
    for (const binding of this.cache.bindings()) if (binding.valid) serviceAccounts.add(binding.valid.target.serviceAccount);
    await Promise.all([this.cache.wantSources(refs), this.cache.wantPods(pods), this.cache.wantServiceAccounts(serviceAccounts), this.cache.wantTargets(targets)]);
    await this.cache.whenSynced();
  }
}
