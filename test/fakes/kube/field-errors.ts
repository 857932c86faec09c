// Field-level validation errors and the 422 Invalid Status built from them, worded like the real server:
// - staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go (Error, ErrorBody, ErrorType.String,
//   Required/Invalid/Forbidden/TooLong/NotSupported, ErrorList.ToAggregate)
// - staging/src/k8s.io/apimachinery/pkg/util/errors/errors.go (aggregate.Error: one message, or "[a, b]")
// - staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go NewInvalid (message `Kind "name" is invalid: ...`,
//   details.causes[] = {reason: error type, message: ErrorBody, field})

import type { ResourceDef } from './registry.js';
import { HttpError } from './wire.js';

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate';

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
};

type BadValue = string | number | boolean | null | { raw: string };

export interface FieldError {
  readonly type: FieldErrorType;
  readonly field: string;
  /** Printed after the type for Invalid/NotSupported/Duplicate; `{ raw }` is printed as is (Go's %#v of a struct). */
  readonly badValue?: BadValue;
  readonly detail: string;
}

export const required = (field: string, detail = ''): FieldError => ({ type: 'FieldValueRequired', field, detail });
export const invalid = (field: string, badValue: BadValue, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, badValue, detail });
export const forbidden = (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, detail });
export const duplicate = (field: string, badValue: BadValue): FieldError => ({ type: 'FieldValueDuplicate', field, badValue, detail: '' });
/** field.TooLong: the value is never printed. */
export const tooLong = (field: string, maxBytes: number): FieldError => ({ type: 'FieldValueTooLong', field, detail: `must have at most ${maxBytes} bytes` });
export const notSupported = (field: string, badValue: BadValue, valid: readonly string[]): FieldError => ({
  type: 'FieldValueNotSupported',
  field,
  badValue,
  detail: valid.length > 0 ? `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}` : '',
});

/** Go's `%q` for the printable ASCII the validators deal with; JSON escaping is the same there. */
const goQuote = (s: string): string => JSON.stringify(s);

/** field.Error.ErrorBody: Required/Forbidden/TooLong never print the value. */
export function errorBody(e: FieldError): string {
  let s = TYPE_TEXT[e.type];
  const printsValue = e.type === 'FieldValueInvalid' || e.type === 'FieldValueNotSupported' || e.type === 'FieldValueDuplicate';
  if (printsValue && e.badValue !== undefined) {
    const v = e.badValue;
    if (v === null) s += ': null';
    else if (typeof v === 'string') s += `: ${goQuote(v)}`;
    else if (typeof v === 'object') s += `: ${v.raw}`;
    else s += `: ${String(v)}`;
  }
  if (e.detail !== '') s += `: ${e.detail}`;
  return s;
}

export const errorString = (e: FieldError): string => `${e.field}: ${errorBody(e)}`;

/** ErrorList.ToAggregate().Error(): duplicates dropped, one error bare, several in brackets. */
export function aggregate(errs: readonly FieldError[]): string {
  const msgs = [...new Set(errs.map(errorString))];
  return msgs.length === 1 ? (msgs[0] ?? '') : `[${msgs.join(', ')}]`;
}

/** `Secret`, or `ImagePullSecret.images.banzaicloud.io` (schema.GroupKind.String()). */
export const groupKind = (def: Pick<ResourceDef, 'group' | 'kind'>): string => (def.group === '' ? def.kind : `${def.kind}.${def.group}`);

/** errors.NewInvalid: 422, reason Invalid, details name/group/kind and one cause per field error. */
export function invalidError(def: Pick<ResourceDef, 'group' | 'kind'>, name: string, errs: readonly FieldError[]): HttpError {
  return new HttpError(422, `${groupKind(def)} ${goQuote(name)} is invalid: ${aggregate(errs)}`, 'Invalid', {
    name,
    ...(def.group ? { group: def.group } : {}),
    kind: def.kind,
    causes: errs.map((e) => ({ reason: e.type, message: errorBody(e), field: e.field })),
  });
}

/** Throws the 422 when there is anything to report. */
export function throwIfInvalid(def: Pick<ResourceDef, 'group' | 'kind'>, name: string, errs: readonly FieldError[]): void {
  if (errs.length > 0) throw invalidError(def, name, errs);
}
