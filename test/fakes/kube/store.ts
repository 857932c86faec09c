// In-memory object store with a global resourceVersion counter and an event
// log for resuming watches.
//
// Stored objects are never mutated: every write stores a fresh object, so list
// pages and watch events can serialize them directly without copying. Callers
// outside this module get structured clones.

import type { ResourceDef } from './registry.js';
import type { KubeObject } from './types.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  def: ResourceDef;
  rv: number;
  object: KubeObject;
  /** The object before a MODIFIED/DELETED, so selector watches can turn edits into ADDED/DELETED. */
  prev?: KubeObject;
}

/** Sort key: namespace then name. NUL sorts before every name character. */
export function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}\u0000${name}`;
}

function lowerBound(arr: readonly string[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid] ?? '') < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function upperBound(arr: readonly string[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid] ?? '') <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class ResourceTable {
  readonly objects = new Map<string, KubeObject>();
  // Kept sorted incrementally (binary search + splice is a memmove, cheap even
  // at 100k); bulk loads just mark it stale and it is re-sorted once on demand.
  private keys: string[] = [];
  private keysValid = true;

  sortedKeys(): readonly string[] {
    if (!this.keysValid) {
      this.keys = [...this.objects.keys()].sort();
      this.keysValid = true;
    }
    return this.keys;
  }

  set(key: string, obj: KubeObject, bulk = false): void {
    const isNew = !this.objects.has(key);
    this.objects.set(key, obj);
    if (!isNew) return;
    if (bulk || !this.keysValid) this.keysValid = false;
    else this.keys.splice(lowerBound(this.keys, key), 0, key);
  }

  delete(key: string): void {
    if (!this.objects.delete(key)) return;
    if (!this.keysValid) return;
    const i = lowerBound(this.keys, key);
    if (this.keys[i] === key) this.keys.splice(i, 1);
  }

  /** Index range [start, end) of keys in `namespace` (all keys when undefined). */
  range(namespace: string | undefined): { keys: readonly string[]; start: number; end: number } {
    const keys = this.sortedKeys();
    if (namespace === undefined) return { keys, start: 0, end: keys.length };
    return { keys, start: lowerBound(keys, `${namespace}\u0000`), end: lowerBound(keys, `${namespace}\u0001`) };
  }
}

export class ObjectStore {
  private rv = 0;
  /** Watches/lists at a resourceVersion below this get 410: their history is gone. */
  compactedRv = 0;
  private log: StoreEvent[] = [];
  private readonly tables = new Map<ResourceDef, ResourceTable>();
  private readonly listeners = new Set<(ev: StoreEvent) => void>();

  constructor(private readonly maxHistory: number) {}

  currentRv(): number {
    return this.rv;
  }

  nextRv(): number {
    return ++this.rv;
  }

  table(def: ResourceDef): ResourceTable {
    let t = this.tables.get(def);
    if (!t) {
      t = new ResourceTable();
      this.tables.set(def, t);
    }
    return t;
  }

  getRaw(def: ResourceDef, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.table(def).objects.get(objectKey(namespace, name));
  }

  /** Seeding before any client exists: no events, history starts after it. */
  seed(def: ResourceDef, obj: KubeObject): void {
    this.table(def).set(objectKey(obj.metadata.namespace, obj.metadata.name), obj, true);
    this.compactedRv = this.rv;
  }

  /** `obj` must already carry its new resourceVersion (from nextRv). */
  write(def: ResourceDef, obj: KubeObject): StoreEvent {
    const key = objectKey(obj.metadata.namespace, obj.metadata.name);
    const t = this.table(def);
    const prev = t.objects.get(key);
    t.set(key, obj);
    return this.emit({ type: prev ? 'MODIFIED' : 'ADDED', def, rv: Number(obj.metadata.resourceVersion), object: obj, ...(prev ? { prev } : {}) });
  }

  delete(def: ResourceDef, namespace: string | undefined, name: string): StoreEvent | undefined {
    const key = objectKey(namespace, name);
    const t = this.table(def);
    const prev = t.objects.get(key);
    if (!prev) return undefined;
    t.delete(key);
    const rv = this.nextRv();
    // Like the apiserver, the DELETED event carries the object at the deletion's resourceVersion.
    const object: KubeObject = { ...prev, metadata: { ...prev.metadata, resourceVersion: String(rv) } };
    return this.emit({ type: 'DELETED', def, rv, object, prev });
  }

  private emit(ev: StoreEvent): StoreEvent {
    this.log.push(ev);
    if (this.log.length > this.maxHistory) {
      const dropped = this.log.splice(0, this.log.length - this.maxHistory);
      this.compactedRv = dropped[dropped.length - 1]?.rv ?? this.compactedRv;
    }
    for (const l of this.listeners) l(ev);
    return ev;
  }

  /** Events after `rv`, oldest first; undefined when part of that history was compacted. */
  eventsSince(rv: number): StoreEvent[] | undefined {
    if (rv < this.compactedRv) return undefined;
    return this.log.slice(upperBoundRv(this.log, rv));
  }

  compact(): void {
    this.log = [];
    this.compactedRv = this.rv;
  }

  subscribe(l: (ev: StoreEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

function upperBoundRv(log: readonly StoreEvent[], rv: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((log[mid]?.rv ?? 0) <= rv) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
