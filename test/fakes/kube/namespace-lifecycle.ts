// The NamespaceLifecycle admission plugin
// (staging/src/k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go): writes into a namespace
// that does not exist get the namespace's own 404 (`namespaces "x" not found`); creates into a Terminating namespace
// get 403 `<resource> "<name>" is forbidden: unable to create new content in namespace x because it is being
// terminated` with a NamespaceTerminating cause; the immortal namespaces default, kube-system and kube-public may not
// be deleted.

import type { ResourceDef } from './registry.js';
import { isTerminating } from './strategies/namespace.js';
import type { KubeObject } from './types.js';
import { HttpError, notFound, qualified } from './wire.js';

export const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** errors.NewForbidden's wording. */
export function forbiddenError(def: ResourceDef, name: string, cause: string, causes?: unknown[]): HttpError {
  const message = name === '' ? `${qualified(def)} is forbidden: ${cause}` : `${qualified(def)} "${name}" is forbidden: ${cause}`;
  return new HttpError(403, message, 'Forbidden', { name, ...(def.group ? { group: def.group } : {}), kind: def.plural, ...(causes ? { causes } : {}) });
}

/** Admission of a create (terminating checked) or an update (existence only) of a namespaced object. */
export function admitNamespaced(nsDef: ResourceDef, namespace: KubeObject | undefined, namespaceName: string, def: ResourceDef, name: string, operation: 'create' | 'update'): void {
  if (!namespace) throw notFound(nsDef, namespaceName);
  if (operation === 'create' && isTerminating(namespace)) {
    throw forbiddenError(def, name, `unable to create new content in namespace ${namespaceName} because it is being terminated`, [
      { reason: 'NamespaceTerminating', message: `namespace ${namespaceName} is being terminated`, field: 'metadata.namespace' },
    ]);
  }
}

export function admitNamespaceDelete(nsDef: ResourceDef, name: string): void {
  if (IMMORTAL_NAMESPACES.has(name)) throw forbiddenError(nsDef, name, 'this namespace may not be deleted');
}
