import { OWNER_LABEL, ownerLabelValue, PULL_SECRETS_PATCHED_LABEL, shellOwner } from '../../core/contract.js';
import type { NamespaceFacts, PodFacts, SecretFacts, ServiceAccountFacts } from '../../core/facts.js';
import { IMPS_OWNER_UID_LABEL, ownerUidsFor } from '../../core/secret-ownership.js';
import type { SourceSecret } from '../../core/sources.js';
import type { KubeHttp } from '../../adapters/kube/kube-http.js';
import { IMPS_PATH } from '../../adapters/kube/writes.js';
import type { ClusterReader } from '../../ports/cluster.js';
import type { BackoffPolicy } from '../runtime/backoff.js';
import type { Logger } from '../runtime/logger.js';
import { asRecord, stringMap } from '../../core/records.js';
import { Reflector, type ChangeType } from '../runtime/reflector.js';
import type { Timers } from '../runtime/timers.js';
import { impsEntry, secretFacts, serviceAccountFacts, type ImpsEntry } from './facts.js';
import { bindingEntry, BINDING_PATHS, type BindingEntry } from '../acrpull/binding-facts.js';
import type { BindingDefaults } from '../../core/acr-pull-binding.js';

export type { ImpsEntry } from './facts.js';

/** A Namespace as the controller keeps it: a deletionTimestamp means Terminating (emptied, then removed). */
export interface NamespaceEntry extends NamespaceFacts {
  readonly terminating: boolean;
}

export interface CacheEvents {
  imps(type: ChangeType, name: string, value: ImpsEntry | undefined, previous: ImpsEntry | undefined): void;
  namespace(name: string): void;
  pod(pod: PodFacts, previous: PodFacts | undefined): void;
  secret(facts: SecretFacts | undefined, previous: SecretFacts | undefined): void;
  source(id: string): void;
  serviceAccount(facts: ServiceAccountFacts): void;
  binding?(type: ChangeType, key: string, value: BindingEntry | undefined, previous: BindingEntry | undefined): void;
}

/** `--acr-pull-bindings`: watch msi-acrpull's AcrPullBindings too (both versions), as msi-acrpull would. */
export interface BindingWatchOptions {
  /** msi-acrpull's --label-selector: only the bindings it selects (sharding between controllers). */
  readonly labelSelector?: string | undefined;
  /** The operator's ACR_SERVER, MANAGED_IDENTITY_* and air-gapped settings. */
  readonly defaults: BindingDefaults;
}

const METADATA_ONLY = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

const secretKey = (namespace: string, name: string): string => `${namespace}/${name}`;

/**
 * Informer-style caches of everything reconciles read, so a reconcile makes no list call: ImagePullSecrets,
 * Namespaces, Pods (metadata only, and only while some CR selects by Pods), Secrets carrying the owner label
 * (ours and shells), the Secrets without it that sit at a target name (one name-scoped watch per target name: what
 * a write would meet), and each referenced source Secret (one name-scoped watch each, not every Secret).
 * Every cache is read-only from outside; our own writes go through the `remember*`/`forget*` methods.
 */
export class ClusterCache {
  readonly imps: Reflector<ImpsEntry>;
  readonly namespaces: Reflector<NamespaceEntry>;
  /** Secrets carrying the owner label: ours, shells, and rendered Secrets applied by GitOps. */
  readonly #labelled: Reflector<SecretFacts>;
  /**
   * The IMPS controller's Secrets (its owner-uid label) not yet adopted: what IMPS would delete (an old target name,
   * a namespace no longer selected) is found here. Empty once the migration is over: one idle watch.
   */
  readonly #fromImps: Reflector<SecretFacts>;
  /** Per target name, the Secrets of that name without the owner label (another tool's, a person's, IMPS's). */
  readonly #atTargets = new Map<string, Reflector<SecretFacts>>();
  #pods: Reflector<PodFacts> | undefined;
  readonly #sources = new Map<string, Reflector<SourceSecret>>();
  /** One cluster-wide watch per ServiceAccount name some CR lists (`metadata.name=<name>`): usually just `default`. */
  readonly #serviceAccountsByName = new Map<string, Reflector<ServiceAccountFacts>>();
  /** The ServiceAccounts we have patched (marker label), wherever they are: what cleanup needs. */
  readonly patchedServiceAccounts: Reflector<ServiceAccountFacts>;
  /** AcrPullBindings, one reflector per version msi-acrpull serves; none unless the operator asked for them. */
  readonly #bindings: ReadonlyArray<Reflector<BindingEntry>>;
  /** Pods share identical label/annotation sets: one object per distinct set. */
  readonly #interned = new Map<string, { labels: Record<string, string>; annotations: Record<string, string> }>();

  constructor(
    private readonly deps: { http: KubeHttp; timers: Timers; log: Logger; backoff: BackoffPolicy },
    private readonly events: CacheEvents,
    bindings?: BindingWatchOptions,
  ) {
    const base = { ...deps };
    this.imps = new Reflector<ImpsEntry>({
      ...base,
      path: IMPS_PATH,
      transform: (object) => impsEntry(object),
      onChange: (type, key, value, previous) => events.imps(type, key, value, previous),
    });
    this.namespaces = new Reflector<NamespaceEntry>({
      ...base,
      path: '/api/v1/namespaces',
      accept: METADATA_ONLY,
      transform: (object) => {
        const meta = asRecord(asRecord(object)['metadata']);
        if (typeof meta['name'] !== 'string') return undefined;
        const { labels, annotations } = this.#intern(meta);
        return { key: meta['name'], value: { name: meta['name'], labels, annotations, terminating: meta['deletionTimestamp'] !== undefined && meta['deletionTimestamp'] !== null } };
      },
      onChange: (_type, key) => events.namespace(key),
    });
    this.#labelled = this.#secretReflector({ labelSelector: OWNER_LABEL }, true);
    this.#fromImps = this.#secretReflector({ labelSelector: IMPS_OWNER_UID_LABEL }, false);
    // Always on, although it finds nothing until a CR lists `serviceAccounts`: it is how entries we added are found
    // and removed after their CR is deleted, possibly while we were down. Label-selected, so at rest it is one idle
    // watch holding only the ServiceAccounts we patched.
    this.patchedServiceAccounts = this.#serviceAccountReflector({ labelSelector: PULL_SECRETS_PATCHED_LABEL });
    this.#bindings = bindings
      ? Object.entries(BINDING_PATHS).map(
          ([apiVersion, path]) =>
            new Reflector<BindingEntry>({
              ...base,
              path,
              ...(bindings.labelSelector ? { labelSelector: bindings.labelSelector } : {}),
              transform: (object) => bindingEntry(object, apiVersion, bindings.defaults),
              revision: (entry) => entry.resourceVersion,
              onChange: (type, key, value, previous) => events.binding?.(type, key, value, previous),
            }),
        )
      : [];
  }

  /** Whether AcrPullBindings are watched (`--acr-pull-bindings`). */
  get watchesBindings(): boolean {
    return this.#bindings.length > 0;
  }

  /** Every cached AcrPullBinding, of both versions. */
  bindings(): BindingEntry[] {
    return this.#bindings.flatMap((reflector) => [...reflector.items.values()]);
  }

  /** One AcrPullBinding by its key (its ownerName). */
  binding(key: string): BindingEntry | undefined {
    for (const reflector of this.#bindings) {
      const entry = reflector.items.get(key);
      if (entry) return entry;
    }
    return undefined;
  }


  /** `labelled`: keep only Secrets carrying the owner label (true) or only those without it (false). */
  #secretReflector(selector: { labelSelector?: string; fieldSelector?: string }, labelled: boolean): Reflector<SecretFacts> {
    return new Reflector<SecretFacts>({
      ...this.deps,
      path: '/api/v1/secrets',
      ...selector,
      transform: (object) => {
        const facts = secretFacts(object);
        return facts && { key: secretKey(facts.namespace, facts.name), value: facts };
      },
      keep: (facts) => (facts.labels[OWNER_LABEL] !== undefined) === labelled,
      revision: (facts) => facts.resourceVersion,
      onChange: (_type, _key, value, previous) => this.events.secret(value, previous),
    });
  }

  /**
   * Keeps one cluster-wide name-scoped Secret watch per target name (`metadata.name=<name>`: one object per
   * namespace at most), holding the Secrets without our label. Where a target would go, the plan sees what is there.
   */
  async wantTargets(names: ReadonlySet<string>): Promise<void> {
    await syncReflectors(this.#atTargets, names, (name) => this.#secretReflector({ fieldSelector: `metadata.name=${name}` }, false));
  }

  /**
   * The Secrets that may concern an ImagePullSecret: ours (owner reference to its uid or its owner label), the shells
   * naming it, whatever sits at its target name, and the IMPS controller's Secrets for it. `also`: `<namespace>/<name>`
   * of other Secrets it writes (repository credentials), found among the labelled ones (another ImagePullSecret's, a
   * GitOps render's); an unlabelled Secret there is not watched, and a create meets it as a conflict.
   */
  secretsConcerning(owner: { name: string; uid: string; target: string; also?: ReadonlySet<string>; binding?: { name: string } | undefined }): SecretFacts[] {
    const label = ownerLabelValue(owner.name);
    const found: SecretFacts[] = [];
    for (const [key, secret] of this.#labelled.items) {
      if (
        secret.name === owner.target ||
        secret.labels[OWNER_LABEL] === label ||
        shellOwner(secret.annotations) === owner.name ||
        (owner.uid && ownerUidsFor(secret, owner).includes(owner.uid)) ||
        owner.also?.has(key)
      ) {
        found.push(secret);
      }
    }
    const seen = new Set<string>();
    for (const [key, secret] of this.#atTargets.get(owner.target)?.items ?? []) {
      seen.add(key);
      found.push(secret);
    }
    if (owner.uid) for (const [key, secret] of this.#fromImps.items) if (!seen.has(key) && secret.labels[IMPS_OWNER_UID_LABEL] === owner.uid) found.push(secret);
    return found;
  }

  /** Every Secret carrying the owner label: the orphan sweep looks for the ones whose ImagePullSecret is gone. */
  labelledSecrets(): SecretFacts[] {
    return [...this.#labelled.items.values()];
  }

  /** Our own write of a Secret, remembered at once (the watch brings the same later). */
  rememberSecret(facts: SecretFacts): void {
    const key = secretKey(facts.namespace, facts.name);
    this.#labelled.writeThrough(key, facts);
    this.#fromImps.writeThrough(key, facts.labels[IMPS_OWNER_UID_LABEL] !== undefined ? facts : undefined);
    this.#atTargets.get(facts.name)?.writeThrough(key, facts);
  }

  /** Our own delete of a Secret. */
  forgetSecret(namespace: string, name: string): void {
    const key = secretKey(namespace, name);
    this.#labelled.writeThrough(key, undefined);
    this.#fromImps.writeThrough(key, undefined);
    this.#atTargets.get(name)?.writeThrough(key, undefined);
  }

  #serviceAccountReflector(selector: { labelSelector?: string; fieldSelector?: string }): Reflector<ServiceAccountFacts> {
    return new Reflector<ServiceAccountFacts>({
      ...this.deps,
      path: '/api/v1/serviceaccounts',
      ...selector,
      transform: (object) => {
        const facts = serviceAccountFacts(object);
        return facts && { key: `${facts.namespace}/${facts.name}`, value: facts };
      },
      revision: (facts) => facts.resourceVersion,
      onChange: (_type, _key, value, previous) => {
        const facts = value ?? previous;
        if (facts) this.events.serviceAccount(facts);
      },
    });
  }

  /** Keeps one name-scoped ServiceAccount watch per name some CR lists in `spec.target.serviceAccounts`. */
  async wantServiceAccounts(names: ReadonlySet<string>): Promise<void> {
    await syncReflectors(this.#serviceAccountsByName, names, (name) =>
      this.#serviceAccountReflector({ fieldSelector: `metadata.name=${name}` }),
    );
  }

  /** The ServiceAccounts named `names` (from their name-scoped watches) and every one we have patched. */
  serviceAccountsFor(names: readonly string[]): ServiceAccountFacts[] {
    const found = new Map<string, ServiceAccountFacts>();
    for (const name of names) for (const [key, sa] of this.#serviceAccountsByName.get(name)?.items ?? []) found.set(key, sa);
    for (const [key, sa] of this.patchedServiceAccounts.items) if (!found.has(key)) found.set(key, sa);
    return [...found.values()];
  }

  /** A ServiceAccount as last seen by either kind of watch (undefined: not seen; it may not exist). */
  serviceAccount(namespace: string, name: string): ServiceAccountFacts | undefined {
    const key = `${namespace}/${name}`;
    return this.#serviceAccountsByName.get(name)?.items.get(key) ?? this.patchedServiceAccounts.items.get(key);
  }

  /** Our own write, remembered at once so the next reconcile plans from it (the watch brings the same later). */
  rememberServiceAccount(facts: ServiceAccountFacts): void {
    const key = `${facts.namespace}/${facts.name}`;
    this.#serviceAccountsByName.get(facts.name)?.writeThrough(key, facts);
    this.patchedServiceAccounts.writeThrough(key, facts.added !== undefined ? facts : undefined);
  }

  start(): void {
    this.imps.start();
    this.namespaces.start();
    this.#labelled.start();
    this.#fromImps.start();
    this.patchedServiceAccounts.start();
    for (const reflector of this.#bindings) reflector.start();
  }

  async whenSynced(): Promise<void> {
    await Promise.all([
      this.imps.whenSynced(),
      this.namespaces.whenSynced(),
      this.#labelled.whenSynced(),
      this.#fromImps.whenSynced(),
      this.patchedServiceAccounts.whenSynced(),
      ...this.#bindings.map((reflector) => reflector.whenSynced()),
      this.#pods?.whenSynced(),
      ...[...this.#serviceAccountsByName.values(), ...this.#atTargets.values()].map((reflector) => reflector.whenSynced()),
    ]);
  }

  get synced(): boolean {
    return (
      this.imps.synced &&
      this.namespaces.synced &&
      this.#labelled.synced &&
      this.#fromImps.synced &&
      this.patchedServiceAccounts.synced &&
      this.#bindings.every((reflector) => reflector.synced) &&
      (this.#pods?.synced ?? true) &&
      [...this.#serviceAccountsByName.values(), ...this.#atTargets.values()].every((reflector) => reflector.synced)
    );
  }

  /** Watches Pods only while some ImagePullSecret selects namespaces by their Pods. */
  async wantPods(wanted: boolean): Promise<void> {
    if (wanted && !this.#pods) {
      this.#pods = new Reflector<PodFacts>({
        ...this.deps,
        path: '/api/v1/pods',
        accept: METADATA_ONLY,
        transform: (object) => {
          const meta = asRecord(asRecord(object)['metadata']);
          if (typeof meta['name'] !== 'string' || typeof meta['namespace'] !== 'string') return undefined;
          return { key: `${meta['namespace']}/${meta['name']}`, value: { namespace: meta['namespace'], ...this.#intern(meta) } };
        },
        onChange: (_type, _key, value, previous) => {
          const pod = value ?? previous;
          if (pod) this.events.pod(pod, previous);
        },
      });
      this.#pods.start();
    } else if (!wanted && this.#pods) {
      const pods = this.#pods;
      this.#pods = undefined;
      await pods.stop();
    }
  }

  /** Keeps exactly one name-scoped watch per referenced source Secret (`<namespace>.<name>` ids). */
  async wantSources(refs: ReadonlyMap<string, { namespace: string; name: string }>): Promise<void> {
    await syncReflectors(this.#sources, new Set(refs.keys()), (id) => {
      const ref = refs.get(id)!;
      return new Reflector<SourceSecret>({
        ...this.deps,
        path: `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/secrets`,
        fieldSelector: `metadata.name=${ref.name}`,
        transform: (object) => {
          const record = asRecord(object);
          const type = typeof record['type'] === 'string' ? record['type'] : undefined;
          const annotations = asRecord(asRecord(record['metadata'])['annotations']);
          return { key: id, value: { type, annotations, data: asRecord(record['data']) } };
        },
        onChange: () => this.events.source(id),
      });
    });
  }

  /**
   * The caches as the render pipeline's ClusterReader: no API call behind any of these. Cached Pods carry no name (the
   * key has it); `podNames` adds it to each Pod visited, for `/explain`, which names the Pod that matched.
   */
  reader(options: { readonly podNames?: boolean } = {}): ClusterReader {
    return {
      description: `cluster ${this.deps.http.server}`,
      // A namespace being deleted takes no new content (the API server refuses creates there, 403): not a target.
      listNamespaces: async () => [...this.namespaces.items.values()].filter((namespace) => !namespace.terminating),
      scanPods: async (visit) => {
        for (const [key, pod] of this.#pods?.items ?? []) visit(options.podNames ? { ...pod, name: key.slice(pod.namespace.length + 1) } : pod);
      },
      readSecret: async (namespace, name) => this.#sources.get(`${namespace}.${name}`)?.items.get(`${namespace}.${name}`),
    };
  }

  async stop(): Promise<void> {
    await Promise.all([
      this.imps.stop(),
      this.namespaces.stop(),
      this.#labelled.stop(),
      this.#fromImps.stop(),
      this.patchedServiceAccounts.stop(),
      ...this.#bindings.map((reflector) => reflector.stop()),
      this.#pods?.stop(),
      ...[...this.#sources.values(), ...this.#serviceAccountsByName.values(), ...this.#atTargets.values()].map((r) => r.stop()),
    ]);
  }

  #intern(meta: Record<string, unknown>): { labels: Record<string, string>; annotations: Record<string, string> } {
    const labels = stringMap(meta['labels']);
    const annotations = stringMap(meta['annotations']);
    const key = JSON.stringify([labels, annotations]);
    let shared = this.#interned.get(key);
    if (!shared) {
      // Pods of every ReplicaSet ever rolled out bring new label sets (pod-template-hash): start afresh once the
      // table outgrows the objects alive, so it stays bounded. Cached objects keep the sets they share.
      if (this.#interned.size > 2 * (this.namespaces.items.size + (this.#pods?.items.size ?? 0)) + 1000) this.#interned.clear();
      shared = { labels, annotations };
      this.#interned.set(key, shared);
    }
    return shared;
  }
}

/**
 * Keeps exactly one started reflector per wanted key: starts the missing ones, stops the unwanted ones, and waits
 * until every wanted one has synced.
 */
async function syncReflectors<T>(reflectors: Map<string, Reflector<T>>, wanted: ReadonlySet<string>, make: (key: string) => Reflector<T>): Promise<void> {
  for (const key of wanted) {
    if (reflectors.has(key)) continue;
    const reflector = make(key);
    reflectors.set(key, reflector);
    reflector.start();
  }
  for (const [key, reflector] of reflectors) {
    if (wanted.has(key)) continue;
    reflectors.delete(key);
    await reflector.stop();
  }
  await Promise.all([...wanted].map((key) => reflectors.get(key)?.whenSynced()));
}
