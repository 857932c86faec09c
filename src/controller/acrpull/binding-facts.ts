import { validateBinding, type BindingInputResult } from '../../app/select-bindings.js';
import { ACRPULL_V1BETA1, ACRPULL_V1BETA2, bindingOwnerName, type BindingDefaults } from '../../core/acr-pull-binding.js';
import { asRecord, isRecord } from '../../core/records.js';
import type { AcrPullBindingStatus } from '../../generated/acr-pull-binding-v1beta2.js';

// msi-acrpull's AcrPullBindings as the controller keeps them: checked, translated, never trusted.

/** The collection path of each version msi-acrpull serves. */
export const BINDING_PATHS: Readonly<Record<string, string>> = {
  [ACRPULL_V1BETA1]: '/apis/msi-acrpull.microsoft.com/v1beta1/acrpullbindings',
  [ACRPULL_V1BETA2]: '/apis/acrpull.microsoft.com/v1beta2/acrpullbindings',
};

/** `/apis/<group>/<version>/namespaces/<namespace>/acrpullbindings/<name>` */
export function bindingPath(apiVersion: string, namespace: string, name: string): string {
  return `/apis/${apiVersion}/namespaces/${encodeURIComponent(namespace)}/acrpullbindings/${encodeURIComponent(name)}`;
}

/** A binding as cached. Invalid ones are kept too: their status says why, and their Secrets are not orphans. */
export interface BindingEntry {
  /** The binding's ownerName (core/acr-pull-binding.ts): its key in the work queue, labels and records. */
  readonly key: string;
  readonly apiVersion: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly generation: number | undefined;
  readonly resourceVersion: string;
  /** metadata.deletionTimestamp is set: the binding waits for its finalizers. */
  readonly deleting: boolean;
  readonly finalizers: readonly string[];
  /** Its translation; undefined when invalid. */
  readonly valid: BindingInputResult | undefined;
  /** Field errors, `field: message`; empty when valid. */
  readonly problems: readonly string[];
  readonly status: AcrPullBindingStatus | undefined;
}

/** Reduces a binding from the API server; undefined when it is not one (no name or namespace). */
export function bindingEntry(object: unknown, apiVersion: string, defaults: BindingDefaults): { key: string; value: BindingEntry } | undefined {
  const record = asRecord(object);
  const meta = asRecord(record['metadata']);
  const name = meta['name'];
  const namespace = meta['namespace'];
  if (typeof name !== 'string' || typeof namespace !== 'string') return undefined;
  // A watch event may lack apiVersion (list items do): the collection says which version it is.
  const result = validateBinding({ ...record, apiVersion, kind: 'AcrPullBinding' }, defaults, { defaultNamespace: namespace });
  const invalid = Array.isArray(result);
  const status = asRecord(record['status']);
  const key = bindingOwnerName(apiVersion, namespace, name);
  const value: BindingEntry = {
    key,
    apiVersion,
    namespace,
    name,
    uid: typeof meta['uid'] === 'string' ? meta['uid'] : '',
    generation: typeof meta['generation'] === 'number' ? meta['generation'] : undefined,
    resourceVersion: typeof meta['resourceVersion'] === 'string' ? meta['resourceVersion'] : '',
    deleting: meta['deletionTimestamp'] !== undefined && meta['deletionTimestamp'] !== null,
    finalizers: Array.isArray(meta['finalizers']) ? meta['finalizers'].filter((f): f is string => typeof f === 'string') : [],
    valid: invalid ? undefined : result,
    problems: invalid ? result.map((problem) => `${problem.field ?? ''}: ${problem.message}`) : [],
    // Written only by us (or msi-acrpull, same fields): read back through the same type.
    status: isRecord(record['status']) && Object.keys(status).length > 0 ? (status as AcrPullBindingStatus) : undefined,
  };
  return { key, value };
}
