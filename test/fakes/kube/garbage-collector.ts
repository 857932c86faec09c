// The garbage collector of kube-controller-manager (pkg/controller/garbagecollector: graph_builder.go keeps the
// owner -> dependents graph from watch events; garbagecollector.go attemptToDeleteItem classifies each owner
// reference as solid (the owner exists with that uid), dangling (absent, or present with another uid) or unknown
// (a kind it cannot resolve), and then deletes a dependent without solid owners, or patches the dangling references
// away when some owner is still solid). It runs after the write that triggered it (setImmediate), so a dependent
// outlives its owner for a moment, as with background deletion on a real cluster. Orphan and foreground deletion
// (the `orphan` and `foregroundDeletion` finalizers the GC processes) are done synchronously by `orphan` and
// `deleteDependents`.

import { findByKind, RESOURCES, type ResourceDef } from './registry.js';
import type { ObjectStore, StoreEvent } from './store.js';
import type { KubeObject } from './types.js';
import { isRecord } from './wire.js';

interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

export interface GcActions {
  /** Background deletion of a dependent (cascading further through the GC). */
  deleteItem(def: ResourceDef, namespace: string | undefined, name: string): void;
  /** Stores `obj` (same resource) with its new ownerReferences. */
  updateItem(def: ResourceDef, obj: KubeObject): void;
}

const itemKey = (def: ResourceDef, namespace: string | undefined, name: string): string => `${RESOURCES.indexOf(def)}\u0000${namespace ?? ''}\u0000${name}`;

export function ownerRefsOf(obj: KubeObject): OwnerRef[] {
  const refs = obj.metadata.ownerReferences;
  if (!Array.isArray(refs)) return [];
  return refs.filter(isRecord).map((r) => ({ apiVersion: String(r.apiVersion ?? ''), kind: String(r.kind ?? ''), name: String(r.name ?? ''), uid: String(r.uid ?? '') }));
}

export class GarbageCollector {
  /** owner uid -> dependents (item keys). */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly items = new Map<string, { def: ResourceDef; namespace: string | undefined; name: string }>();
  private readonly queue = new Set<string>();
  private scheduled = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly actions: GcActions,
    private readonly enabled: boolean,
  ) {
    store.subscribe((ev) => this.observe(ev));
  }

  private index(def: ResourceDef, obj: KubeObject, add: boolean): void {
    const key = itemKey(def, obj.metadata.namespace, obj.metadata.name);
    for (const ref of ownerRefsOf(obj)) {
      let set = this.dependents.get(ref.uid);
      if (add) {
        if (!set) this.dependents.set(ref.uid, (set = new Set()));
        set.add(key);
      } else {
        set?.delete(key);
        if (set?.size === 0) this.dependents.delete(ref.uid);
      }
    }
    // Only dependents are worth remembering: the owner side is looked up in the store.
    if (add && ownerRefsOf(obj).length > 0) this.items.set(key, { def, namespace: obj.metadata.namespace, name: obj.metadata.name });
    else if (!add) this.items.delete(key);
  }

  /** Seeded objects emit no events: index them and check their owners once. */
  seeded(def: ResourceDef, obj: KubeObject): void {
    this.index(def, obj, true);
    if (ownerRefsOf(obj).length > 0) this.enqueue(itemKey(def, obj.metadata.namespace, obj.metadata.name));
  }

  private observe(ev: StoreEvent): void {
    if (ev.prev) this.index(ev.def, ev.prev, false);
    if (ev.type === 'DELETED') {
      for (const key of this.dependents.get(String(ev.object.metadata.uid)) ?? []) this.enqueue(key);
      return;
    }
    this.index(ev.def, ev.object, true);
    if (ownerRefsOf(ev.object).length > 0) this.enqueue(itemKey(ev.def, ev.object.metadata.namespace, ev.object.metadata.name));
  }

  private enqueue(key: string): void {
    if (!this.enabled) return;
    this.queue.add(key);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    while (this.queue.size > 0) {
      const [key] = this.queue;
      if (key === undefined) break;
      this.queue.delete(key);
      this.attemptToDelete(key);
    }
  }

  private ownerState(ref: OwnerRef, dependentNamespace: string | undefined): 'solid' | 'dangling' | 'unknown' {
    const def = findByKind(ref.apiVersion, ref.kind);
    if (!def) return 'unknown';
    if (def.namespaced && dependentNamespace === undefined) return 'unknown'; // a cluster-scoped object cannot have a namespaced owner
    const owner = this.store.getRaw(def, def.namespaced ? dependentNamespace : undefined, ref.name);
    return owner && owner.metadata.uid === ref.uid ? 'solid' : 'dangling';
  }

  private attemptToDelete(key: string): void {
    const item = this.items.get(key);
    if (!item) return;
    const obj = this.store.getRaw(item.def, item.namespace, item.name);
    if (!obj) return;
    const refs = ownerRefsOf(obj);
    if (refs.length === 0) return;
    const states = refs.map((r) => this.ownerState(r, item.namespace));
    if (states.every((s) => s === 'dangling')) {
      this.actions.deleteItem(item.def, item.namespace, item.name);
      return;
    }
    if (states.includes('dangling')) {
      const keep = new Set(refs.filter((_, i) => states[i] !== 'dangling').map((r) => r.uid));
      this.actions.updateItem(item.def, withoutOwners(obj, (uid) => !keep.has(uid)));
    }
  }

  /** Dependents currently pointing at `uid`. */
  dependentsOf(uid: string): { def: ResourceDef; obj: KubeObject }[] {
    const out: { def: ResourceDef; obj: KubeObject }[] = [];
    for (const key of this.dependents.get(uid) ?? []) {
      const item = this.items.get(key);
      const obj = item && this.store.getRaw(item.def, item.namespace, item.name);
      if (item && obj && ownerRefsOf(obj).some((r) => r.uid === uid)) out.push({ def: item.def, obj });
    }
    return out;
  }

  /** propagationPolicy=Orphan: the owner's references are removed from its dependents before it goes. */
  orphan(uid: string): void {
    for (const { def, obj } of this.dependentsOf(uid)) this.actions.updateItem(def, withoutOwners(obj, (u) => u === uid));
  }
}

export function withoutOwners(obj: KubeObject, drop: (uid: string) => boolean): KubeObject {
  const refs = (Array.isArray(obj.metadata.ownerReferences) ? obj.metadata.ownerReferences : []).filter((r) => !(isRecord(r) && drop(String(r.uid))));
  const metadata = { ...obj.metadata };
  if (refs.length > 0) metadata.ownerReferences = refs;
  else delete metadata.ownerReferences;
  return { ...obj, metadata };
}
