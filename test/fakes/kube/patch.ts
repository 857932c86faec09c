// JSON merge patch (RFC 7386), JSON patch (RFC 6902) and a structural equality
// used to decide whether `spec` changed (generation) or a write is a no-op.

export class PatchError extends Error {}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

function resolveParent(doc: unknown, path: string[]): { parent: Container; key: string } {
  if (path.length === 0) throw new PatchError('operation on the document root is not supported');
  let cur: unknown = doc;
  for (const seg of path.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isPlainObject(cur)) cur = cur[seg];
    else cur = undefined;
    if (cur === undefined) throw new PatchError(`path /${path.join('/')} does not exist`);
  }
  if (!Array.isArray(cur) && !isPlainObject(cur)) throw new PatchError(`path /${path.join('/')} does not exist`);
  return { parent: cur, key: path[path.length - 1] ?? '' };
}

function arrayIndex(arr: unknown[], key: string, forAdd: boolean): number {
  if (forAdd && key === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(key)) throw new PatchError(`invalid array index ${JSON.stringify(key)}`);
  const i = Number(key);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new PatchError(`array index ${i} out of bounds`);
  return i;
}

function getAt(doc: unknown, path: string[]): unknown {
  if (path.length === 0) return doc;
  const { parent, key } = resolveParent(doc, path);
  const v = Array.isArray(parent) ? parent[arrayIndex(parent, key, false)] : parent[key];
  if (v === undefined) throw new PatchError(`path /${path.join('/')} does not exist`);
  return v;
}

function removeAt(doc: unknown, path: string[]): unknown {
  const { parent, key } = resolveParent(doc, path);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, false), 1)[0];
  if (!(key in parent)) throw new PatchError(`path /${path.join('/')} does not exist`);
  const v = parent[key];
  delete parent[key];
  return v;
}

function addAt(doc: unknown, path: string[], value: unknown): void {
  const { parent, key } = resolveParent(doc, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
  else parent[key] = value;
}

/** Applies RFC 6902 operations to a copy of `doc`. */
export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch must be an array of operations');
  const out = structuredClone(doc);
  for (const op of ops) {
    if (!isPlainObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      throw new PatchError(`invalid JSON patch operation ${JSON.stringify(op)}`);
    }
    const path = parsePointer(op.path);
    const from = typeof op.from === 'string' ? parsePointer(op.from) : undefined;
    switch (op.op) {
      case 'add':
        addAt(out, path, structuredClone(op.value));
        break;
      case 'remove':
        removeAt(out, path);
        break;
      case 'replace':
        getAt(out, path);
        removeAt(out, path);
        addAt(out, path, structuredClone(op.value));
        break;
      case 'move': {
        if (!from) throw new PatchError('move needs "from"');
        addAt(out, path, removeAt(out, from));
        break;
      }
      case 'copy':
        if (!from) throw new PatchError('copy needs "from"');
        addAt(out, path, structuredClone(getAt(out, from)));
        break;
      case 'test':
        if (!deepEqual(getAt(out, path), op.value)) throw new PatchError(`test failed at ${op.path}`);
        break;
      default:
        throw new PatchError(`unknown JSON patch op ${JSON.stringify(op.op)}`);
    }
  }
  return out;
}
