// Strategic merge patch, after staging/src/k8s.io/apimachinery/pkg/util/strategicpatch/patch.go
// (StrategicMergePatch / mergeMap / mergeSlice): maps merge recursively and `null` deletes a key; merge lists
// (./patch-meta.ts) merge element by element on their merge key and append new elements; other lists are replaced.
// Directives: `$patch: replace | delete | merge` on maps and list elements, `$retainKeys`,
// `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>`.

import { PatchError } from './patch.js';
import type { PatchMeta } from './patch-meta.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const DELETE_FROM = '$deleteFromPrimitiveList/';
const SET_ORDER = '$setElementOrder/';

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((e) => !(isObj(e) && e.$patch !== undefined && Object.keys(e).length === 1)).map(stripDirectives);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}

function keyOf(e: unknown, mergeKey: string): string | undefined {
  if (!isObj(e)) return undefined;
  const k = e[mergeKey];
  return k === undefined ? undefined : JSON.stringify(k);
}

function orderBy(list: unknown[], order: unknown, mergeKey: string | undefined): unknown[] {
  if (!Array.isArray(order)) return list;
  const rank = new Map<string, number>();
  order.forEach((o, i) => {
    const k = mergeKey ? keyOf(o, mergeKey) : JSON.stringify(o);
    if (k !== undefined) rank.set(k, i);
  });
  const keyed = list.map((e, i) => ({ e, i, r: rank.get((mergeKey ? keyOf(e, mergeKey) : JSON.stringify(e)) ?? '') ?? Number.MAX_SAFE_INTEGER }));
  return keyed.sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.e);
}

function mergeList(original: unknown, patch: unknown[], meta: PatchMeta, path: string): unknown[] {
  const list = meta.list ?? {};
  const base = Array.isArray(original) ? [...original] : [];
  if (patch.some((e) => isObj(e) && e.$patch === 'replace')) return stripDirectives(patch) as unknown[];
  if (list.mergeKey === undefined) {
    // A set of primitives: union, original order first.
    const out = [...base];
    for (const v of patch) if (!out.some((o) => JSON.stringify(o) === JSON.stringify(v))) out.push(v);
    return out;
  }
  const mergeKey = list.mergeKey;
  const out = base;
  for (const element of patch) {
    if (!isObj(element)) throw new PatchError(`${path}: a merge list element must be an object`);
    const key = keyOf(element, mergeKey);
    if (key === undefined) throw new PatchError(`map: ${JSON.stringify(element)} does not contain declared merge key: ${mergeKey}`);
    const at = out.findIndex((o) => keyOf(o, mergeKey) === key);
    if (element.$patch === 'delete') {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (at >= 0) out[at] = mergeMap(out[at], element, meta.items ?? {}, `${path}[${mergeKey}=${key}]`);
    else out.push(mergeMap(undefined, element, meta.items ?? {}, path));
  }
  return out;
}

export function mergeMap(original: unknown, patch: Obj, meta: PatchMeta, path = ''): unknown {
  const directive = patch.$patch;
  if (directive === 'replace') return stripDirectives(patch);
  if (directive === 'delete') return undefined;
  if (directive !== undefined && directive !== 'merge') throw new PatchError(`Unknown patch type: ${String(directive)} in map: ${path || '<root>'}`);
  const out: Obj = isObj(original) ? { ...original } : {};
  const orders = new Map<string, unknown>();
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith(SET_ORDER)) {
      orders.set(k.slice(SET_ORDER.length), v);
      continue;
    }
    if (k.startsWith(DELETE_FROM)) {
      const field = k.slice(DELETE_FROM.length);
      const drop = new Set((Array.isArray(v) ? v : []).map((x) => JSON.stringify(x)));
      if (Array.isArray(out[field])) out[field] = (out[field] as unknown[]).filter((x) => !drop.has(JSON.stringify(x)));
      continue;
    }
    const child = meta.fields?.[k] ?? {};
    if (v === null) delete out[k];
    else if (Array.isArray(v)) out[k] = child.list ? mergeList(out[k], v, child, `${path}.${k}`) : stripDirectives(v);
    else if (isObj(v)) {
      const merged = mergeMap(isObj(out[k]) ? out[k] : undefined, v, child, `${path}.${k}`);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else out[k] = v;
  }
  for (const [field, order] of orders) {
    if (Array.isArray(out[field])) out[field] = orderBy(out[field] as unknown[], order, meta.fields?.[field]?.list?.mergeKey);
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String));
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

/** Applies a strategic merge patch to a copy of `doc`. */
export function strategicMergePatch(doc: unknown, patch: unknown, meta: PatchMeta): unknown {
  if (!isObj(patch)) throw new PatchError('a strategic merge patch must be a JSON object');
  return mergeMap(structuredClone(doc), patch, meta) ?? {};
}
