import { runRenderPipeline } from '../../app/render-pipeline.js';
import { MANAGED_BY, MANAGED_BY_LABEL, OWNER_LABEL } from '../../core/contract.js';
import { Redactor } from '../../core/redaction.js';
import type { PullSecretManifest } from '../../core/render.js';
import type { ImagePullSecret, InlineSource } from '../../generated/image-pull-secret.js';
import { inlineSourceKey } from '../../core/source-refs.js';
import { KubeApiError } from '../../adapters/kube/kube-http.js';
import { createSecret, patchSecret, readSecret } from '../../adapters/kube/writes.js';
import type { ClusterReader } from '../../ports/cluster.js';
import { ExpiringRedactor } from '../runtime/expiring-redactor.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../runtime/backoff.js';
import { hashData } from '../imps/facts.js';
import { asRecord, stringMap } from '../../core/records.js';
import { Reflector } from '../runtime/reflector.js';
import { DEFAULT_RENEWAL, TokenCache } from '../runtime/token-cache.js';
import type { ProcessDeps } from '../process/process-deps.js';

export interface SecretRef {
  readonly namespace: string;
  readonly name: string;
}

/** IMPS's `namespace.name` reference: exactly one dot (names with dots cannot be referenced, as in IMPS). */
export function parseSecretRef(text: string): SecretRef | undefined {
  const parts = text.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

/**
 * The refresher's job as an ImagePullSecret: the same sources, its target namespaces, rendered by the same core. One
 * namespace is IMPS's refresher (owner `<namespace>.<name>`); several are the ECR Public helper's TARGET_NAMESPACES
 * (owner: the Secret's name, the same in each).
 */
export function refresherSpec(targets: readonly [SecretRef, ...SecretRef[]], sources: readonly SecretRef[], inline: readonly InlineSource[] = []): ImagePullSecret {
  const [target] = targets;
  const [first, ...rest] = sources.map((ref) => ({ namespace: ref.namespace, name: ref.name }));
  const [firstInline, ...moreInline] = inline;
  return {
    apiVersion: 'images.banzaicloud.io/v1alpha1',
    kind: 'ImagePullSecret',
    metadata: { name: targets.length === 1 ? `${target.namespace}.${target.name}` : target.name },
    spec: {
      registry: { ...(first ? { credentials: [first, ...rest] } : {}), ...(firstInline ? { inline: [firstInline, ...moreInline] } : {}) },
      target: { secret: { name: target.name }, namespaces: { names: targets.map((ref) => ref.namespace) } },
    },
  };
}

export interface RefresherOptions extends ProcessDeps {
  readonly target: SecretRef;
  /**
   * Write the target's name in each of these namespaces instead of `target.namespace` alone (the Amazon ECR Public
   * credentials helper's TARGET_NAMESPACES). A namespace that fails does not stop the others.
   */
  readonly namespaces?: readonly string[] | undefined;
  readonly sources: readonly SecretRef[];
  /** Keyless sources minted with the process's own identity (the ECR Public helper's IRSA role). */
  readonly inline?: readonly InlineSource[] | undefined;
}

/**
 * `imps-krm refresh`: keeps one target Secret filled from its sources. Needs no namespace or Pod access: it reads
 * only the named Secrets. Writes happen only when the payload changed; a failure never empties the target.
 */
export class Refresher {
  readonly tokens: TokenCache;
  readonly #redactor: Redactor;
  readonly #imps: ImagePullSecret;
  readonly #targets: readonly [SecretRef, ...SecretRef[]];
  #stop = new AbortController();
  #wake: (() => void) | undefined;
  #woken = false;
  /** The earliest credential expiry of the last successful pass (logged with each refresh). */
  #expiresAt: Date | undefined;

  constructor(private readonly options: RefresherOptions) {
    this.#redactor = options.redactor ?? new Redactor();
    this.tokens = new TokenCache(options.tokens, options.timers, options.renewal ?? DEFAULT_RENEWAL);
    const [first, ...rest] = (options.namespaces ?? [options.target.namespace]).map((namespace) => ({ namespace, name: options.target.name }));
    this.#targets = [first ?? options.target, ...rest];
    this.#imps = refresherSpec(this.#targets, options.sources, options.inline ?? []);
  }

  /** `ns.name`, or `name in a, b, c` for several namespaces: what log lines name. */
  get label(): string {
    const [first, ...rest] = this.#targets;
    return rest.length === 0 ? `${first.namespace}.${first.name}` : `${first.name} in ${this.#targets.map((ref) => ref.namespace).join(', ')}`;
  }

  /** One pass: render and write if needed. Returns the error messages (empty on success). */
  async once(): Promise<string[]> {
    const { http } = this.options;
    const reader: ClusterReader = {
      description: `cluster ${http.server}`,
      // The target namespaces are the only ones that matter; listing every namespace would need more RBAC.
      listNamespaces: async () => this.#targets.map((ref) => ({ name: ref.namespace, labels: {}, annotations: {} })),
      scanPods: async () => undefined,
      readSecret: async (namespace, name) => {
        try {
          const secret = asRecord(await readSecret(http, namespace, name));
          const annotations = asRecord(asRecord(secret['metadata'])['annotations']);
          return { type: typeof secret['type'] === 'string' ? secret['type'] : undefined, annotations, data: asRecord(secret['data']) };
        } catch (error) {
          if (error instanceof KubeApiError && error.status === 404) return undefined;
          throw error;
        }
      },
    };
    const result = await runRenderPipeline([{ imps: this.#imps }], { cluster: reader, tokens: this.tokens, redactor: this.#redactor });
    const errors = result.problems.filter((problem) => problem.severity === 'error').map((problem) => (problem.source ? `source ${problem.source}: ${problem.message}` : problem.message));
    const manifests = result.outcomes[0]?.secrets ?? [];
    if (errors.length > 0 || manifests.length === 0) {
      this.options.metrics.refreshes.inc({ result: 'failure' });
      return errors.length > 0 ? errors : ['nothing rendered'];
    }
    // One namespace failing (deleted, or never created) does not keep the others from their Secret.
    const failures: string[] = [];
    for (const manifest of manifests) {
      try {
        await this.#write(manifest);
      } catch (error) {
        failures.push(`Secret ${manifest.metadata.namespace}/${manifest.metadata.name}: ${this.#redactor.redact(error instanceof Error ? error.message : String(error))}`);
      }
    }
    if (failures.length > 0) {
      this.options.metrics.refreshes.inc({ result: 'failure' });
      return failures;
    }
    const expiresAt = result.outcomes[0]?.expiresAt;
    this.#expiresAt = expiresAt;
    // One target: every source gets the earliest expiry and renewal of the render (what the target's validity hangs on).
    const renewAt = this.tokens.nextRenewal();
    const ids = [...this.options.sources.map((ref) => `${ref.namespace}.${ref.name}`), ...(this.options.inline ?? []).map((_, index) => inlineSourceKey(this.#imps.metadata.name, index))];
    for (const source of ids) {
      if (expiresAt) this.options.metrics.tokenExpiry.set({ source }, Math.floor(expiresAt.getTime() / 1000));
      if (expiresAt && renewAt) this.options.metrics.tokenRenewal.set({ source }, Math.floor(renewAt.getTime() / 1000));
    }
    this.options.metrics.refreshes.inc({ result: 'success' });
    return [];
  }

  /** Runs until `stop()`: a pass at start, on any change of a source or the target, at token renewal, on retry. */
  async run(): Promise<void> {
    const { http, timers, log } = this.options;
    const watched = [...this.options.sources, ...this.#targets].map(
      (ref) =>
        new Reflector<string>({
          http,
          timers,
          log,
          backoff: this.options.backoff ?? DEFAULT_BACKOFF,
          path: `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/secrets`,
          fieldSelector: `metadata.name=${ref.name}`,
          transform: (object) => {
            const rv = asRecord(asRecord(object)['metadata'])['resourceVersion'];
            return { key: ref.name, value: typeof rv === 'string' ? rv : '' };
          },
          onChange: () => this.#poke(),
        }),
    );
    watched.forEach((reflector) => reflector.start());
    let failures = 0;
    try {
      while (!this.#stop.signal.aborted) {
        this.#woken = false;
        const errors = await this.once();
        let wakeAt: Date | undefined;
        if (errors.length > 0) {
          failures++;
          const delay = backoffDelay(this.options.backoff ?? DEFAULT_BACKOFF, failures);
          log.warn('refresh failed', { target: this.label, errors, retryInMs: Math.round(delay) });
          wakeAt = new Date(timers.now().getTime() + delay);
        } else {
          failures = 0;
          if (this.#redactor instanceof ExpiringRedactor) this.#redactor.forgetOlderThan(new Date(timers.now().getTime() - 24 * 3600_000));
          wakeAt = this.tokens.nextRenewal();
          log.info('refreshed', { target: this.label, expiresAt: this.#expiresAt?.toISOString(), nextRenewal: wakeAt?.toISOString() });
        }
        await this.#sleepUntil(wakeAt);
      }
    } finally {
      await Promise.all(watched.map((reflector) => reflector.stop()));
    }
  }

  stop(): void {
    this.#stop.abort();
    this.#poke();
  }

  #poke(): void {
    this.#woken = true;
    this.#wake?.();
  }

  async #sleepUntil(at: Date | undefined): Promise<void> {
    if (this.#woken || this.#stop.signal.aborted) return;
    await new Promise<void>((resolve) => {
      const cancel = at ? this.options.timers.at(at, () => done()) : () => undefined;
      const done = (): void => {
        cancel();
        this.#wake = undefined;
        resolve();
      };
      this.#wake = done;
    });
  }

  /** Create, or patch data/labels/expiry with the resourceVersion read; nothing when already up to date. */
  async #write(manifest: PullSecretManifest): Promise<void> {
    const { http } = this.options;
    const target = { namespace: manifest.metadata.namespace, name: manifest.metadata.name };
    let existing: Record<string, unknown> | undefined;
    try {
      existing = asRecord(await readSecret(http, target.namespace, target.name));
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    }
    if (!existing) {
      await createSecret(http, manifest);
      this.options.metrics.secretWrites.inc({ operation: 'create' });
      return;
    }
    if (existing['type'] !== manifest.type) throw new Error(`exists with type ${String(existing['type'])}; a Secret's type cannot change, delete it first`);
    const meta = asRecord(existing['metadata']);
    const labels = stringMap(meta['labels']);
    const annotations = stringMap(meta['annotations']);
    const wanted = manifest.metadata.annotations ?? {};
    const same =
      hashData(asRecord(existing['data'])) === hashData(manifest.data) &&
      labels[OWNER_LABEL] === manifest.metadata.labels[OWNER_LABEL] &&
      labels[MANAGED_BY_LABEL] === MANAGED_BY &&
      Object.entries(wanted).every(([key, value]) => annotations[key] === value);
    if (same) return;
    // Keys the target had besides ours are removed (null in a merge patch): the payload is exactly the render's.
    const data: Record<string, string | null> = { ...manifest.data };
    for (const key of Object.keys(asRecord(existing['data']))) if (!(key in data)) data[key] = null;
    await patchSecret(http, target.namespace, target.name, {
      metadata: { resourceVersion: meta['resourceVersion'], labels: manifest.metadata.labels, annotations: wanted },
      data,
    });
    this.options.metrics.secretWrites.inc({ operation: 'update' });
  }
}
