// Decoding a JSON body into a typed object, as the apiserver's JSON serializer does before any validation:
// wrong JSON types and undecodable []byte (base64) are 400 BadRequest, worded like
// staging/src/k8s.io/apimachinery/pkg/runtime/serializer/json (`<Kind> in version "<v>" cannot be handled as a
// <Kind>: ...`), and fields the type does not have are dropped (the default fieldValidation, Warn, drops them).

import type { ResourceDef } from '../registry.js';
import type { KubeObject } from '../types.js';
import { HttpError, isRecord } from '../wire.js';

/** A 400 whose `detail` is the decoder's own error (a patch reports it on the field `patch` instead). */
export class DecodeError extends HttpError {
  constructor(
    def: Pick<ResourceDef, 'kind' | 'version'>,
    readonly detail: string,
  ) {
    super(400, `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${detail}`, 'BadRequest');
  }
}

export const cannotDecode = (def: Pick<ResourceDef, 'kind' | 'version'>, detail: string): DecodeError => new DecodeError(def, detail);

const jsonKind = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'boolean' ? 'bool' : typeof v);

/** A `map[string]string` field: an object whose values are all strings (null allowed for the whole map). */
export function checkStringMap(def: Pick<ResourceDef, 'kind' | 'version'>, value: unknown, goField: string): void {
  if (value === undefined || value === null) return;
  if (!isRecord(value)) throw cannotDecode(def, `json: cannot unmarshal ${jsonKind(value)} into Go struct field ${goField} of type map[string]string`);
  for (const v of Object.values(value)) {
    if (typeof v !== 'string') throw cannotDecode(def, `json: cannot unmarshal ${jsonKind(v)} into Go struct field ${goField} of type string`);
  }
}

/** The metadata maps every type shares (labels, annotations). */
export function checkObjectMeta(def: Pick<ResourceDef, 'kind' | 'version'>, obj: KubeObject): void {
  checkStringMap(def, obj.metadata.labels, 'ObjectMeta.metadata.labels');
  checkStringMap(def, obj.metadata.annotations, 'ObjectMeta.metadata.annotations');
}

/**
 * encoding/json decodes []byte with base64.StdEncoding (padding required, CR and LF skipped): the index of the
 * first byte it cannot use, or undefined when `text` decodes.
 */
export function base64ErrorAt(text: string): number | undefined {
  let quantum = 0;
  let padding = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '\r' || c === '\n') continue;
    if (c === '=') {
      if (quantum < 2) return i;
      padding++;
      quantum++;
      if (quantum === 4) {
        quantum = 0;
        // Nothing may follow the padding.
        const rest = text.slice(i + 1).replace(/[\r\n]/g, '');
        if (rest.length > 0) return i + 1;
        return undefined;
      }
      continue;
    }
    if (padding > 0 || !/[A-Za-z0-9+/]/.test(c)) return i;
    quantum = (quantum + 1) % 4;
  }
  return quantum === 0 ? undefined : text.length;
}

export function dropUnknownFields(obj: KubeObject, fields: readonly string[] | undefined): void {
  if (!fields) return;
  const known = new Set(['apiVersion', 'kind', 'metadata', ...fields]);
  for (const k of Object.keys(obj)) if (!known.has(k)) delete obj[k];
}
