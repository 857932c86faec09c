// ObjectMeta validation on create and update, mirroring
// - staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go: ValidateObjectMetaAccessor (generateName,
//   name, namespace, generation, labels, annotations incl. TotalAnnotationSizeLimitB = 256 KiB, ownerReferences,
//   finalizers), ValidateObjectMetaAccessorUpdate (immutable name/namespace/uid/creationTimestamp/deletionTimestamp,
//   generation not decremented, no new finalizers while deleting)
// - staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go: ValidateLabels (both key and value
//   errors on the field `metadata.labels`)
// - pkg/apis/core/validation/validation.go: ValidateObjectMeta/ValidateObjectMetaUpdate add validateKubeFinalizerName
//   for the core group
// Map keys are visited in sorted order (Go's map order is random; the fake must be deterministic).

import { type FieldError, forbidden, invalid, required, tooLong } from './field-errors.js';
import { isQualifiedName, isValidLabelValue, type NameFn, nameIsDNSLabel } from './k8s-names.js';
import { isRecord } from './wire.js';

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

type Meta = Record<string, unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const stringMap = (v: unknown): Record<string, string> => (isRecord(v) ? (v as Record<string, string>) : {});
const sortedKeys = (m: Record<string, unknown>): string[] => Object.keys(m).sort();

function validateLabels(labels: Record<string, string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of sortedKeys(labels)) {
    for (const msg of isQualifiedName(k)) errs.push(invalid(path, k, msg));
    for (const msg of isValidLabelValue(labels[k] ?? '')) errs.push(invalid(path, labels[k] ?? '', msg));
  }
  return errs;
}

function validateAnnotations(annotations: Record<string, string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const k of sortedKeys(annotations)) {
    // QualifiedName, except that case does not matter.
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, msg));
    size += Buffer.byteLength(k) + Buffer.byteLength(annotations[k] ?? '');
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/** schema.FromAPIVersionAndKind: `v1` or `group/version`; anything else has no version. */
function versionOf(apiVersion: string): string {
  const parts = apiVersion.split('/');
  if (parts.length === 1) return parts[0] ?? '';
  return parts.length === 2 ? (parts[1] ?? '') : '';
}

function validateOwnerReferences(refs: unknown, path: string): FieldError[] {
  if (!Array.isArray(refs)) return [];
  const errs: FieldError[] = [];
  let firstController = '';
  for (const raw of refs) {
    const ref = isRecord(raw) ? raw : {};
    const apiVersion = str(ref.apiVersion);
    const kind = str(ref.kind);
    if (versionOf(apiVersion) === '') errs.push(invalid(`${path}.apiVersion`, apiVersion, 'version must not be empty'));
    if (kind === '') errs.push(invalid(`${path}.kind`, kind, 'must not be empty'));
    if (str(ref.name) === '') errs.push(invalid(`${path}.name`, str(ref.name), 'must not be empty'));
    if (str(ref.uid) === '') errs.push(invalid(`${path}.uid`, str(ref.uid), 'must not be empty'));
    // BannedOwners: a core/v1 Event may not own anything.
    if (apiVersion === 'v1' && kind === 'Event') errs.push(invalid(path, { raw: JSON.stringify(ref) }, '/v1, Kind=Event is disallowed from being an owner'));
    if (ref.controller === true) {
      const current = `${kind}/${str(ref.name)}`;
      if (firstController !== '') {
        errs.push(invalid(path, { raw: JSON.stringify(refs) }, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`));
      } else firstController = current;
    }
  }
  return errs;
}

function validateFinalizers(finalizers: unknown, path: string, coreGroup: boolean): FieldError[] {
  if (!Array.isArray(finalizers)) return [];
  const errs: FieldError[] = [];
  const names = finalizers.map(str);
  names.forEach((f, i) => {
    for (const msg of isQualifiedName(f)) errs.push(invalid(path, f, msg));
    if (coreGroup && !f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
      errs.push(invalid(`${path}[${i}]`, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  if (names.includes('orphan') && names.includes('foregroundDeletion')) {
    errs.push(invalid(path, { raw: JSON.stringify(names) }, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

function validateCommon(meta: Meta, namespaced: boolean, coreGroup: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = str(meta.namespace);
  if (namespaced) {
    if (namespace === '') errs.push(required('metadata.namespace'));
    else for (const msg of nameIsDNSLabel(namespace, false)) errs.push(invalid('metadata.namespace', namespace, msg));
  } else if (namespace !== '') errs.push(forbidden('metadata.namespace', 'not allowed on this type'));
  const generation = typeof meta.generation === 'number' ? meta.generation : 0;
  if (generation < 0) errs.push(invalid('metadata.generation', generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(stringMap(meta.labels), 'metadata.labels'));
  errs.push(...validateAnnotations(stringMap(meta.annotations), 'metadata.annotations'));
  errs.push(...validateOwnerReferences(meta.ownerReferences, 'metadata.ownerReferences'));
  errs.push(...validateFinalizers(meta.finalizers, 'metadata.finalizers', coreGroup));
  return errs;
}

/** ValidateObjectMetaAccessor: name generation has already happened. */
export function validateObjectMeta(meta: Meta, namespaced: boolean, nameFn: NameFn, coreGroup: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const generateName = str(meta.generateName);
  if (generateName !== '') for (const msg of nameFn(generateName, true)) errs.push(invalid('metadata.generateName', generateName, msg));
  const name = str(meta.name);
  if (name === '') errs.push(required('metadata.name', 'name or generateName is required'));
  else for (const msg of nameFn(name, false)) errs.push(invalid('metadata.name', name, msg));
  return [...errs, ...validateCommon(meta, namespaced, coreGroup)];
}

function immutable(path: string, next: unknown, prev: unknown): FieldError[] {
  if (JSON.stringify(next ?? null) === JSON.stringify(prev ?? null)) return [];
  const shown = typeof next === 'string' || typeof next === 'number' ? next : next === undefined || next === null ? null : { raw: JSON.stringify(next) };
  return [invalid(path, shown, 'field is immutable')];
}

/** ValidateObjectMetaAccessorUpdate (plus the core group's finalizer names). */
export function validateObjectMetaUpdate(next: Meta, prev: Meta, coreGroup: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (prev.deletionTimestamp !== undefined) {
    const old = new Set(Array.isArray(prev.finalizers) ? prev.finalizers.map(str) : []);
    const added = (Array.isArray(next.finalizers) ? next.finalizers.map(str) : []).filter((f) => !old.has(f)).sort();
    if (added.length > 0) {
      errs.push(forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((a) => JSON.stringify(a)).join(', ')}}`));
    }
  }
  if (str(next.resourceVersion) === '') errs.push(invalid('metadata.resourceVersion', '', 'must be specified for an update'));
  const gen = (m: Meta): number => (typeof m.generation === 'number' ? m.generation : 0);
  if (gen(next) < gen(prev)) errs.push(invalid('metadata.generation', gen(next), 'must not be decremented'));
  errs.push(...immutable('metadata.name', next.name, prev.name));
  errs.push(...immutable('metadata.namespace', next.namespace, prev.namespace));
  errs.push(...immutable('metadata.uid', next.uid, prev.uid));
  errs.push(...immutable('metadata.creationTimestamp', next.creationTimestamp, prev.creationTimestamp));
  errs.push(...immutable('metadata.deletionTimestamp', next.deletionTimestamp, prev.deletionTimestamp));
  errs.push(...immutable('metadata.deletionGracePeriodSeconds', next.deletionGracePeriodSeconds, prev.deletionGracePeriodSeconds));
  errs.push(...validateLabels(stringMap(next.labels), 'metadata.labels'));
  errs.push(...validateAnnotations(stringMap(next.annotations), 'metadata.annotations'));
  errs.push(...validateOwnerReferences(next.ownerReferences, 'metadata.ownerReferences'));
  errs.push(...validateFinalizers(next.finalizers, 'metadata.finalizers', coreGroup));
  return errs;
}
