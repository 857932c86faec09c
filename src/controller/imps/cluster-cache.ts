import { createHash } from 'node:crypto';
import { validateImps } from '../../app/select-inputs.js';
import { ADDED_PULL_SECRETS_ANNOTATION, OWNER_LABEL, PULL_SECRETS_PATCHED_LABEL } from '../../core/contract.js';
import type { NamespaceFacts, PodFacts } from '../../core/facts.js';
import type { SourceSecret } from '../../core/sources.js';
import type { ImagePullSecret, ImagePullSecretStatus } from '../../generated/image-pull-secret.js';
import type { KubeHttp } from '../../adapters/kube/kube-http.js';
import { IMPS_PATH } from '../../adapters/kube/writes.js';
import type { ClusterReader } from '../../ports/cluster.js';
import type { BackoffPolicy } from '../runtime/backoff.js';
import type { Logger } from '../runtime/logger.js';
import { asRecord, Reflector, stringMap, type ChangeType } from '../runtime/reflector.js';
import type { Timers } from '../runtime/timers.js';

/** What the controller remembers of a Secret carrying the owner label: enough to decide writes, no payload. */
export interface SecretFacts {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly type: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** UIDs of the ImagePullSecrets in ownerReferences: the controller's own Secrets carry one. */
  readonly ownerUids: readonly string[];
  /** sha256 of the data: compared with the desired data to skip writes that would change nothing. */
  readonly dataHash: string;
}

/** What the controller keeps of a ServiceAccount: its pull Secret list (small) and our record of what we added. */
export interface ServiceAccountFacts {
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion: string;
  readonly imagePullSecrets: readonly unknown[];
  /** ADDED_PULL_SECRETS_ANNOTATION, when present. */
  readonly added: string | undefined;
}

/** An ImagePullSecret as cached: invalid ones are kept too, so their Secrets are never taken for orphans. */
export interface ImpsEntry {
  readonly name: string;
  readonly uid: string;
  readonly generation: number | undefined;
  readonly imps: ImagePullSecret | undefined;
  /** Validation problems, `field: message`; empty when `imps` is set. */
  readonly problems: readonly string[];
  readonly status: ImagePullSecretStatus | undefined;
}

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
}

const METADATA_ONLY = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

export function hashData(data: Readonly<Record<string, unknown>> | undefined): string {
  const entries = Object.entries(data ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex');
}

/**
 * Informer-style caches of everything reconciles read, so a reconcile makes no list call: ImagePullSecrets,
 * Namespaces, Pods (metadata only, and only while some CR selects by Pods), Secrets carrying the owner label
 * (ours and shells), and each referenced source Secret (one name-scoped watch each, not every Secret).
 */
export class ClusterCache {
  readonly imps: Reflector<ImpsEntry>;
  readonly namespaces: Reflector<NamespaceEntry>;
  readonly secrets: Reflector<SecretFacts>;
  #pods: Reflector<PodFacts> | undefined;
  readonly #sources = new Map<string, Reflector<SourceSecret>>();
  /** One cluster-wide watch per ServiceAccount name some CR lists (`metadata.name=<name>`): usually just `default`. */
  readonly #serviceAccountsByName = new Map<string, Reflector<ServiceAccountFacts>>();
  /** The ServiceAccounts we have patched (marker label), wherever they are: what cleanup needs. */
  readonly patchedServiceAccounts: Reflector<ServiceAccountFacts>;
  /** Pods share identical label/annotation sets: one object per distinct set. */
  readonly #interned = new Map<string, { labels: Record<string, string>; annotations: Record<string, string> }>();

  constructor(
    private readonly deps: { http: KubeHttp; timers: Timers; log: Logger; backoff: BackoffPolicy },
    private readonly events: CacheEvents,
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
    this.secrets = new Reflector<SecretFacts>({
      ...base,
      path: '/api/v1/secrets',
      labelSelector: OWNER_LABEL,
      transform: (object) => {
        const facts = secretFacts(object);
        return facts && { key: `${facts.namespace}/${facts.name}`, value: facts };
      },
      onChange: (_type, _key, value, previous) => events.secret(value, previous),
    });
    // Always on, although it finds nothing until a CR lists `serviceAccounts`: it is how entries we added are found
    // and removed after their CR is deleted, possibly while we were down. Label-selected, so at rest it is one idle
    // watch holding only the ServiceAccounts we patched.
    this.patchedServiceAccounts = this.#serviceAccountReflector({ labelSelector: PULL_SECRETS_PATCHED_LABEL });
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


  /** A ServiceAccount as last seen by either kind of watch (undefined: not seen; it may not exist). */
  serviceAccount(namespace: string, name: string): ServiceAccountFacts | undefined {
    const key = `${namespace}/${name}`;
    return this.#serviceAccountsByName.get(name)?.store.get(key) ?? this.patchedServiceAccounts.store.get(key);
  }

  /** Every cached ServiceAccount named `name`, from its name-scoped watch (none while no CR lists the name). */
  serviceAccountsNamed(name: string): Iterable<ServiceAccountFacts> {
    return this.#serviceAccountsByName.get(name)?.store.values() ?? [];
  }

  /** Our own write, remembered at once so the next reconcile plans from it (the watch brings the same later). */
  rememberServiceAccount(facts: ServiceAccountFacts): void {
    const key = `${facts.namespace}/${facts.name}`;
    const byName = this.#serviceAccountsByName.get(facts.name);
    if (byName) byName.store.set(key, facts);
    if (facts.added !== undefined) this.patchedServiceAccounts.store.set(key, facts);
    else this.patchedServiceAccounts.store.delete(key);
  }

  start(): void {
    this.imps.start();
    this.namespaces.start();
    this.secrets.start();
    this.patchedServiceAccounts.start();
  }

  async whenSynced(): Promise<void> {
    await Promise.all([
      this.imps.whenSynced(),
      this.namespaces.whenSynced(),
      this.secrets.whenSynced(),
      this.patchedServiceAccounts.whenSynced(),
      this.#pods?.whenSynced(),
      ...[...this.#serviceAccountsByName.values()].map((reflector) => reflector.whenSynced()),
    ]);
  }

  get synced(): boolean {
    return (
      this.imps.synced &&
      this.namespaces.synced &&
      this.secrets.synced &&
      this.patchedServiceAccounts.synced &&
      (this.#pods?.synced ?? true) &&
      [...this.#serviceAccountsByName.values()].every((reflector) => reflector.synced)
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
      listNamespaces: async () => [...this.namespaces.store.values()].filter((namespace) => !namespace.terminating),
      scanPods: async (visit) => {
        for (const [key, pod] of this.#pods?.store ?? []) visit(options.podNames ? { ...pod, name: key.slice(pod.namespace.length + 1) } : pod);
      },
      readSecret: async (namespace, name) => this.#sources.get(`${namespace}.${name}`)?.store.get(`${namespace}.${name}`),
    };
  }

  async stop(): Promise<void> {
    await Promise.all([
      this.imps.stop(),
      this.namespaces.stop(),
      this.secrets.stop(),
      this.patchedServiceAccounts.stop(),
      this.#pods?.stop(),
      ...[...this.#sources.values(), ...this.#serviceAccountsByName.values()].map((r) => r.stop()),
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
      if (this.#interned.size > 2 * (this.namespaces.store.size + (this.#pods?.store.size ?? 0)) + 1000) this.#interned.clear();
      shared = { labels, annotations };
      this.#interned.set(key, shared);
    }
    return shared;
  }
}

export function secretFacts(object: unknown): SecretFacts | undefined {
  const record = asRecord(object);
  const meta = asRecord(record['metadata']);
  if (typeof meta['name'] !== 'string' || typeof meta['namespace'] !== 'string') return undefined;
  const owners = Array.isArray(meta['ownerReferences']) ? meta['ownerReferences'].map(asRecord) : [];
  return {
    namespace: meta['namespace'],
    name: meta['name'],
    uid: typeof meta['uid'] === 'string' ? meta['uid'] : '',
    resourceVersion: typeof meta['resourceVersion'] === 'string' ? meta['resourceVersion'] : '',
    type: typeof record['type'] === 'string' ? record['type'] : 'Opaque',
    labels: stringMap(meta['labels']),
    annotations: stringMap(meta['annotations']),
    ownerUids: owners.filter((owner) => owner['kind'] === 'ImagePullSecret' && typeof owner['uid'] === 'string').map((owner) => String(owner['uid'])),
    dataHash: hashData(asRecord(record['data'])),
  };
}

export function serviceAccountFacts(object: unknown): ServiceAccountFacts | undefined {
  const record = asRecord(object);
  const meta = asRecord(record['metadata']);
  if (typeof meta['name'] !== 'string' || typeof meta['namespace'] !== 'string') return undefined;
  const added = stringMap(meta['annotations'])[ADDED_PULL_SECRETS_ANNOTATION];
  return {
    namespace: meta['namespace'],
    name: meta['name'],
    resourceVersion: typeof meta['resourceVersion'] === 'string' ? meta['resourceVersion'] : '',
    imagePullSecrets: Array.isArray(record['imagePullSecrets']) ? (record['imagePullSecrets'] as unknown[]) : [],
    added: added || undefined,
  };
}

export function impsEntry(object: unknown): { key: string; value: ImpsEntry } | undefined {
  const record = asRecord(object);
  const meta = asRecord(record['metadata']);
  if (typeof meta['name'] !== 'string') return undefined;
  const result = validateImps(record);
  const invalid = Array.isArray(result);
  const status = asRecord(record['status']);
  const value: ImpsEntry = {
    name: meta['name'],
    uid: typeof meta['uid'] === 'string' ? meta['uid'] : '',
    generation: typeof meta['generation'] === 'number' ? meta['generation'] : undefined,
    imps: invalid ? undefined : result.imps,
    problems: invalid ? result.map((p) => `${p.field ?? ''}: ${p.message}`) : [],
    // Written only by us, through the same types: read back as such.
    status: Object.keys(status).length > 0 ? (status as ImagePullSecretStatus) : undefined,
  };
  return { key: value.name, value };
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
