// ConfigMaps: pkg/apis/core/validation/validation.go ValidateConfigMap / ValidateConfigMapUpdate (keys, the shared
// 1 MiB limit reported on the whole object, immutable), pkg/registry/core/configmap/strategy.go.

import { type FieldError, forbidden, invalid, tooLong } from '../field-errors.js';
import { isConfigMapKey, nameIsDNSSubdomain } from '../k8s-names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../object-meta.js';
import type { KubeObject } from '../types.js';
import { isRecord } from '../wire.js';
import { base64ErrorAt, cannotDecode, checkObjectMeta, checkStringMap, dropUnknownFields } from './decode.js';
import { MAX_SECRET_SIZE } from './secret.js';
import type { KindStrategy } from './strategy.js';

const DEF = { kind: 'ConfigMap', version: 'v1' };
const mapOf = (v: unknown): Record<string, string> => (isRecord(v) ? (v as Record<string, string>) : {});

function validateConfigMap(cm: KubeObject): FieldError[] {
  const errs = validateObjectMeta(cm.metadata, true, nameIsDNSSubdomain, true);
  const data = mapOf(cm.data);
  const binary = mapOf(cm.binaryData);
  let total = 0;
  for (const key of Object.keys(data).sort()) {
    for (const msg of isConfigMapKey(key)) errs.push(invalid(`data[${key}]`, key, msg));
    if (key in binary) errs.push(invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(data[key] ?? '');
  }
  for (const key of Object.keys(binary).sort()) {
    for (const msg of isConfigMapKey(key)) errs.push(invalid(`binaryData[${key}]`, key, msg));
    total += Buffer.from(binary[key] ?? '', 'base64').length;
  }
  // "" : the error refers to the whole object.
  if (total > MAX_SECRET_SIZE) errs.push(tooLong('', MAX_SECRET_SIZE));
  return errs;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(Object.entries(mapOf(a)).sort()) === JSON.stringify(Object.entries(mapOf(b)).sort());

export const configMapStrategy: KindStrategy = {
  nameFn: nameIsDNSSubdomain,
  coreGroup: true,
  fields: ['data', 'binaryData', 'immutable'],
  allowUnconditionalUpdate: true,
  tracksGeneration: false,
  decode(obj) {
    checkObjectMeta(DEF, obj);
    dropUnknownFields(obj, this.fields);
    checkStringMap(DEF, obj.data, 'ConfigMap.data');
    checkStringMap(DEF, obj.binaryData, 'ConfigMap.binaryData');
    for (const value of Object.values(mapOf(obj.binaryData))) {
      const at = base64ErrorAt(value);
      if (at !== undefined) throw cannotDecode(DEF, `illegal base64 data at input byte ${at}`);
    }
  },
  validateCreate: validateConfigMap,
  validateUpdate(next, prev) {
    const errs = validateObjectMetaUpdate(next.metadata, prev.metadata, true);
    if (prev.immutable === true) {
      if (next.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
      if (!same(next.data, prev.data)) errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
      if (!same(next.binaryData, prev.binaryData)) errs.push(forbidden('binaryData', 'field is immutable when `immutable` is set'));
    }
    return [...errs, ...validateConfigMap(next)];
  },
};
