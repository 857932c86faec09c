import { KubeApiError, type KubeHttp, type WatchEvent } from '../../adapters/kube/kube-http.js';
import { listPages } from '../../adapters/kube/list-pages.js';
import { asRecord } from '../../core/records.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import type { Logger } from './logger.js';
import { sleep, type Timers } from './timers.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ReflectorOptions<T> {
  readonly http: KubeHttp;
  readonly timers: Timers;
  readonly log: Logger;
  readonly backoff: BackoffPolicy;
  /** Collection path, e.g. `/api/v1/namespaces`. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** `application/json;as=PartialObjectMetadataList;...` for metadata-only lists and watches. */
  readonly accept?: string;
  /** Reduces an object to what the controller keeps (undefined: ignore it). Keeps memory low at 10,000 objects. */
  readonly transform: (object: unknown) => { key: string; value: T } | undefined;
  /**
   * Which reduced objects this cache holds (default: all). An object that stops qualifying (a Secret that gains a
   * label another cache selects) leaves the store as if deleted: two caches never hold the same object.
   */
  readonly keep?: (value: T) => boolean;
  /**
   * The object's resourceVersion. With it, the watch event that echoes one of our own writes (already in the store
   * through `writeThrough`) changes nothing and reports nothing: our writes do not trigger reconciles of their own.
   */
  readonly revision?: (value: T) => string;
  readonly onChange: (type: ChangeType, key: string, value: T | undefined, previous: T | undefined) => void;
}

const PAGE_SIZE = 500;

/**
 * A list-then-watch cache of one collection, like client-go's reflector: lists in pages, then watches from the
 * list's resourceVersion with bookmarks so a reconnect resumes without a relist. A 410 Gone (history compacted)
 * relists and reports the difference as changes; other failures retry with jittered backoff (Retry-After honoured).
 * At rest it makes one watch request per timeout (5 to 10 min): no polling.
 */
export class Reflector<T> {
  readonly #store = new Map<string, T>();
  #synced = false;
  #stop = new AbortController();
  #resourceVersion: string | undefined;
  #waiters: Array<() => void> = [];
  #running: Promise<void> | undefined;

  constructor(private readonly options: ReflectorOptions<T>) {}

  get synced(): boolean {
    return this.#synced;
  }

  /** The cached objects, read-only: only the watch and `writeThrough` change them. */
  get items(): ReadonlyMap<string, T> {
    return this.#store;
  }

  /**
   * Our own write, remembered at once so a reconcile right after it plans from what we wrote (the watch brings the
   * same object later). `undefined`, or a value this cache does not keep, removes the key (a delete of ours).
   * No change event: the writer knows what it wrote.
   */
  writeThrough(key: string, value: T | undefined): void {
    if (value !== undefined && this.#keeps(value)) this.#store.set(key, value);
    else this.#store.delete(key);
  }

  #keeps(value: T): boolean {
    return this.options.keep?.(value) ?? true;
  }

  /** Resolves once the first list is in the store (or the reflector stops). */
  whenSynced(): Promise<void> {
    if (this.#synced || this.#stop.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#waiters.splice(0).forEach((resolve) => resolve());
    await this.#running;
  }

  async #loop(): Promise<void> {
    const { log, path } = this.options;
    let failures = 0;
    while (!this.#stop.signal.aborted) {
      try {
        if (this.#resourceVersion === undefined) await this.#list();
        const started = this.options.timers.now().getTime();
        await this.#watch();
        // A watch that stayed up a while proves the connection good again. One the server (or a proxy) ends at
        // once is treated as a failure, so a misbehaving endpoint cannot make us spin.
        const lasted = this.options.timers.now().getTime() - started;
        if (lasted > 10_000) failures = 0;
        else if (lasted < 1_000 && !this.#stop.signal.aborted) {
          failures++;
          await sleep(this.options.timers, backoffDelay(this.options.backoff, failures), this.#stop.signal);
        }
      } catch (error) {
        if (this.#stop.signal.aborted) break;
        const gone = error instanceof KubeApiError && error.status === 410;
        if (gone) {
          log.info('watch history expired, relisting', { path });
          this.#resourceVersion = undefined;
          continue;
        }
        failures++;
        const retryAfter = error instanceof KubeApiError ? error.retryAfterSeconds : undefined;
        const delay = backoffDelay(this.options.backoff, failures, retryAfter);
        log.warn('list/watch failed, retrying', { path, error: error instanceof Error ? error.message : String(error), retryInMs: Math.round(delay) });
        await sleep(this.options.timers, delay, this.#stop.signal);
      }
    }
  }

  async #list(): Promise<void> {
    const { http, path, labelSelector, fieldSelector, accept } = this.options;
    const seen = new Map<string, T>();
    const resourceVersion = await listPages(
      http,
      path,
      { limit: PAGE_SIZE, labelSelector, fieldSelector, accept: listAccept(accept), signal: this.#stop.signal, onRestart: () => seen.clear() },
      (items) => {
        for (const item of items) {
          const reduced = this.options.transform(item);
          if (reduced && this.#keeps(reduced.value)) seen.set(reduced.key, reduced.value);
        }
      },
    );
    // A relist after 410 replaces the store: report what changed while we were not watching. The first list is
    // not reported: whoever started the reflector waits for it to sync and then looks at everything.
    const report = this.#synced ? this.options.onChange : () => undefined;
    for (const [key, previous] of this.#store) {
      if (!seen.has(key)) {
        this.#store.delete(key);
        report('DELETED', key, undefined, previous);
      }
    }
    for (const [key, value] of seen) {
      const previous = this.#store.get(key);
      this.#store.set(key, value);
      report(previous === undefined ? 'ADDED' : 'MODIFIED', key, value, previous);
    }
    this.#resourceVersion = resourceVersion;
    if (!this.#synced) {
      this.#synced = true;
      this.#waiters.splice(0).forEach((resolve) => resolve());
    }
  }

  async #watch(): Promise<void> {
    const { http, path, labelSelector, fieldSelector, accept } = this.options;
    const timeoutSeconds = String(300 + Math.floor(Math.random() * 300));
    let failure: KubeApiError | undefined;
    const onEvent = (event: WatchEvent): void => {
      const metadata = asRecord(asRecord(event.object)['metadata']);
      const rv = typeof metadata['resourceVersion'] === 'string' ? metadata['resourceVersion'] : undefined;
      if (event.type === 'ERROR') {
        const status = asRecord(event.object);
        const code = typeof status['code'] === 'number' ? status['code'] : 500;
        failure = new KubeApiError(`watch ${path}`, typeof status['message'] === 'string' ? status['message'] : 'error event', code, undefined, undefined);
        return;
      }
      if (rv) this.#resourceVersion = rv;
      if (event.type === 'BOOKMARK') return;
      const reduced = this.options.transform(event.object);
      if (!reduced) return;
      const previous = this.#store.get(reduced.key);
      if (event.type === 'DELETED' || !this.#keeps(reduced.value)) {
        if (previous === undefined && event.type !== 'DELETED') return;
        this.#store.delete(reduced.key);
        this.options.onChange('DELETED', reduced.key, undefined, previous);
      } else if (event.type === 'ADDED' || event.type === 'MODIFIED') {
        const revision = this.options.revision;
        if (previous !== undefined && revision && revision(previous) !== '' && revision(previous) === revision(reduced.value)) return;
        this.#store.set(reduced.key, reduced.value);
        this.options.onChange(previous === undefined ? 'ADDED' : 'MODIFIED', reduced.key, reduced.value, previous);
      }
    };
    await http.watch(
      path,
      {
        query: { watch: '1', resourceVersion: this.#resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds, labelSelector, fieldSelector },
        accept: accept?.replace('PartialObjectMetadataList', 'PartialObjectMetadata'),
      },
      onEvent,
      this.#stop.signal,
    );
    if (failure) throw failure;
  }
}

function listAccept(accept: string | undefined): string | undefined {
  return accept?.replace(/PartialObjectMetadata(?!List)/, 'PartialObjectMetadataList');
}

// Kept for the controller's importers; the helpers live in core/records.ts.
