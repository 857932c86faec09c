// Secrets: pkg/apis/core/validation/validation.go ValidateSecret / ValidateSecretUpdate, pkg/registry/core/secret/
// strategy.go (AllowUnconditionalUpdate: true), SetDefaults_Secret (pkg/apis/core/v1/defaults.go: type defaults to
// Opaque) and Convert_v1_Secret_To_core_Secret (pkg/apis/core/v1/conversion.go: stringData is merged into data,
// overwriting, and never stored).

import { type FieldError, forbidden, invalid, required, tooLong } from '../field-errors.js';
import { isConfigMapKey, nameIsDNSSubdomain } from '../k8s-names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../object-meta.js';
import type { KubeObject } from '../types.js';
import { isRecord } from '../wire.js';
import { base64ErrorAt, cannotDecode, checkObjectMeta, checkStringMap, dropUnknownFields } from './decode.js';
import type { KindStrategy } from './strategy.js';

/** core.MaxSecretSize */
export const MAX_SECRET_SIZE = 1024 * 1024;
const DEF = { kind: 'Secret', version: 'v1' };

const dataOf = (s: KubeObject): Record<string, string> => (isRecord(s.data) ? (s.data as Record<string, string>) : {});

/** What Go's json.Unmarshal into map[string]interface{} says about `bytes`; undefined when it decodes. */
export function goJsonObjectError(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const first = text.trimStart()[0];
    if (first === undefined || text.trim() === '') return 'unexpected end of JSON input';
    if (!/[{["\-0-9tfn]/.test(first)) return `invalid character '${first}' looking for beginning of value`;
    return 'unexpected end of JSON input or invalid character in JSON value';
  }
  if (parsed === null || isRecord(parsed)) return undefined;
  const kind = Array.isArray(parsed) ? 'array' : typeof parsed === 'boolean' ? 'bool' : typeof parsed;
  return `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`;
}

function validateJsonKey(data: Record<string, string>, key: string): FieldError[] {
  const field = `data[${key}]`;
  const value = data[key];
  if (value === undefined) return [required(field)];
  const error = goJsonObjectError(Buffer.from(value, 'base64'));
  return error === undefined ? [] : [invalid(field, '<secret contents redacted>', error)];
}

/** ValidateSecret without its ObjectMeta part. */
function validateSecretBody(secret: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = dataOf(secret);
  let total = 0;
  for (const key of Object.keys(data).sort()) {
    for (const msg of isConfigMapKey(key)) errs.push(invalid(`data[${key}]`, key, msg));
    total += Buffer.from(data[key] ?? '', 'base64').length;
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong('data', MAX_SECRET_SIZE));
  const annotations = isRecord(secret.metadata.annotations) ? (secret.metadata.annotations as Record<string, string>) : {};
  switch (secret.type) {
    case 'kubernetes.io/service-account-token':
      // Only the annotation is required: a controller fills the token later.
      if (!annotations['kubernetes.io/service-account.name']) errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
      break;
    case 'kubernetes.io/dockercfg':
      errs.push(...validateJsonKey(data, '.dockercfg'));
      break;
    case 'kubernetes.io/dockerconfigjson':
      errs.push(...validateJsonKey(data, '.dockerconfigjson'));
      break;
    case 'kubernetes.io/basic-auth':
      // username or password may be empty, but one of the two keys must be present.
      if (data.username === undefined && data.password === undefined) errs.push(required('data[username]'), required('data[password]'));
      break;
    case 'kubernetes.io/ssh-auth':
      if (Buffer.from(data['ssh-privatekey'] ?? '', 'base64').length === 0) errs.push(required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      if (data['tls.crt'] === undefined) errs.push(required('data[tls.crt]'));
      if (data['tls.key'] === undefined) errs.push(required('data[tls.key]'));
      break;
    default:
      break;
  }
  return errs;
}

const validateSecret = (secret: KubeObject): FieldError[] => [...validateObjectMeta(secret.metadata, true, nameIsDNSSubdomain, true), ...validateSecretBody(secret)];

export const secretStrategy: KindStrategy = {
  nameFn: nameIsDNSSubdomain,
  coreGroup: true,
  fields: ['data', 'stringData', 'type', 'immutable'],
  allowUnconditionalUpdate: true,
  tracksGeneration: false,
  decode(obj) {
    checkObjectMeta(DEF, obj);
    dropUnknownFields(obj, this.fields);
    checkStringMap(DEF, obj.data, 'Secret.data');
    checkStringMap(DEF, obj.stringData, 'Secret.stringData');
    for (const value of Object.values(dataOf(obj))) {
      const at = base64ErrorAt(value);
      if (at !== undefined) throw cannotDecode(DEF, `illegal base64 data at input byte ${at}`);
    }
    if (obj.type !== undefined && obj.type !== null && typeof obj.type !== 'string') {
      throw cannotDecode(DEF, 'json: cannot unmarshal non-string into Go struct field Secret.type of type v1.SecretType');
    }
    if (obj.immutable !== undefined && obj.immutable !== null && typeof obj.immutable !== 'boolean') {
      throw cannotDecode(DEF, 'json: cannot unmarshal non-bool into Go struct field Secret.immutable of type bool');
    }
    if (isRecord(obj.stringData)) {
      const data: Record<string, string> = { ...dataOf(obj) };
      for (const [k, v] of Object.entries(obj.stringData as Record<string, string>)) data[k] = Buffer.from(v, 'utf8').toString('base64');
      obj.data = data;
    }
    delete obj.stringData;
    if (obj.data === null) delete obj.data;
    if (obj.immutable === null) delete obj.immutable;
    if (typeof obj.type !== 'string' || obj.type === '') obj.type = 'Opaque';
  },
  validateCreate: validateSecret,
  validateUpdate(next, prev) {
    const errs = validateObjectMetaUpdate(next.metadata, prev.metadata, true);
    if (next.type !== prev.type) errs.push(invalid('type', String(next.type), 'field is immutable'));
    if (prev.immutable === true) {
      if (next.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
      if (JSON.stringify(sorted(dataOf(next))) !== JSON.stringify(sorted(dataOf(prev)))) errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
    }
    return [...errs, ...validateSecret(next)];
  },
};

const sorted = (m: Record<string, string>): [string, string][] => Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
