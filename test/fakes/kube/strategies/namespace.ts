// Namespaces: pkg/apis/core/validation/validation.go ValidateNamespace (name: ValidateNamespaceName, a DNS-1123
// label; spec.finalizers) and ValidateNamespaceUpdate; pkg/registry/core/namespace/strategy.go (PrepareForCreate:
// phase Active and the `kubernetes` finalizer; PrepareForUpdate: spec.finalizers and status are kept; Canonicalize:
// the kubernetes.io/metadata.name label always equals the name).

import { type FieldError, invalid } from '../field-errors.js';
import { isQualifiedName, nameIsDNSLabel } from '../k8s-names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../object-meta.js';
import type { KubeObject } from '../types.js';
import { isRecord } from '../wire.js';
import { checkObjectMeta, dropUnknownFields } from './decode.js';
import type { KindStrategy } from './strategy.js';

const DEF = { kind: 'Namespace', version: 'v1' };
export const METADATA_NAME_LABEL = 'kubernetes.io/metadata.name';
const STANDARD = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

const finalizersOf = (ns: KubeObject): string[] => {
  const spec = isRecord(ns.spec) ? ns.spec : {};
  return Array.isArray(spec.finalizers) ? spec.finalizers.map(String) : [];
};

function validateNamespace(ns: KubeObject): FieldError[] {
  const errs = validateObjectMeta(ns.metadata, false, nameIsDNSLabel, true);
  for (const f of finalizersOf(ns)) {
    for (const msg of isQualifiedName(f)) errs.push(invalid('spec.finalizers', f, msg));
    if (!f.includes('/') && !STANDARD.has(f)) errs.push(invalid('spec.finalizers', f, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

/** Canonicalize: run after every write's preparation. */
export function canonicalizeNamespace(ns: KubeObject): void {
  if (ns.metadata.name) ns.metadata.labels = { ...(ns.metadata.labels ?? {}), [METADATA_NAME_LABEL]: ns.metadata.name };
}

export const namespaceStrategy: KindStrategy = {
  nameFn: nameIsDNSLabel,
  coreGroup: true,
  fields: ['spec', 'status'],
  allowUnconditionalUpdate: true,
  tracksGeneration: false,
  decode(obj) {
    checkObjectMeta(DEF, obj);
    dropUnknownFields(obj, this.fields);
  },
  prepareForCreate(ns) {
    ns.status = { phase: 'Active' };
    const finalizers = finalizersOf(ns);
    if (!finalizers.includes('kubernetes')) ns.spec = { ...(isRecord(ns.spec) ? ns.spec : {}), finalizers: [...finalizers, 'kubernetes'] };
    canonicalizeNamespace(ns);
  },
  prepareForUpdate(next, prev) {
    next.spec = { ...(isRecord(next.spec) ? next.spec : {}), finalizers: finalizersOf(prev) };
    if (prev.status === undefined) delete next.status;
    else next.status = prev.status;
    canonicalizeNamespace(next);
  },
  validateCreate: validateNamespace,
  validateUpdate: (next, prev) => [...validateNamespace(next), ...validateObjectMetaUpdate(next.metadata, prev.metadata, true)],
};

/**
 * A Namespace a test stores directly (seed or put): the defaults of a create, except that a status the test gives
 * (say, Terminating) is kept.
 */
export function prepareStoredNamespace(ns: KubeObject): void {
  const status = ns.status;
  namespaceStrategy.prepareForCreate?.(ns);
  if (status !== undefined) ns.status = status;
}

/** A namespace being deleted: the lifecycle admission plugin refuses new content in it. */
export const isTerminating = (ns: KubeObject): boolean => isRecord(ns.status) && ns.status.phase === 'Terminating';
