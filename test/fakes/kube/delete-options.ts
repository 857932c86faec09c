// DeleteOptions of a DELETE (body, or query parameters as kubectl sends them), checked as
// staging/src/k8s.io/apiserver/pkg/registry/rest/delete.go BeforeDelete does: ValidateDeleteOptions
// (staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go) and the early precondition check,
// whose 409 names the resource by its Kind (`Operation cannot be fulfilled on Secret "x": the UID in the
// precondition (...) does not match the UID in record (...). The object might have been deleted and then
// recreated`).

import { groupKind, invalidError, notSupported, type FieldError } from './field-errors.js';
import type { ResourceDef } from './registry.js';
import type { KubeObject } from './types.js';
import { HttpError, isRecord } from './wire.js';

export type Propagation = 'Foreground' | 'Background' | 'Orphan';

export interface DeleteOptions {
  propagation: Propagation | undefined;
  preconditions: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
}

const POLICIES = ['Foreground', 'Background', 'Orphan'];

export function parseDeleteOptions(body: unknown, query: Record<string, string>): DeleteOptions {
  const b = isRecord(body) ? body : {};
  const policy = typeof b.propagationPolicy === 'string' ? b.propagationPolicy : query.propagationPolicy;
  const orphanDependents = typeof b.orphanDependents === 'boolean' ? b.orphanDependents : query.orphanDependents === undefined ? undefined : query.orphanDependents === 'true';
  const errs: FieldError[] = [];
  if (orphanDependents !== undefined && policy !== undefined) {
    errs.push({ type: 'FieldValueInvalid', field: 'propagationPolicy', badValue: policy, detail: 'orphanDependents and deletionPropagation cannot be both set' });
  }
  if (policy !== undefined && !POLICIES.includes(policy)) errs.push(notSupported('propagationPolicy', policy, [...POLICIES, 'nil']));
  const dryRunValues = Array.isArray(b.dryRun) ? b.dryRun.map(String) : query.dryRun !== undefined ? [query.dryRun] : [];
  if (dryRunValues.some((v) => v !== 'All')) errs.push(notSupported('dryRun', { raw: `[]string{${dryRunValues.map((v) => JSON.stringify(v)).join(', ')}}` }, ['All']));
  if (errs.length > 0) throw invalidError({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', errs);
  const pre = isRecord(b.preconditions) ? b.preconditions : {};
  return {
    propagation: (policy as Propagation | undefined) ?? (orphanDependents === true ? 'Orphan' : orphanDependents === false ? 'Background' : undefined),
    preconditions: {
      ...(typeof pre.uid === 'string' ? { uid: pre.uid } : {}),
      ...(typeof pre.resourceVersion === 'string' ? { resourceVersion: pre.resourceVersion } : {}),
    },
    dryRun: dryRunValues.includes('All'),
  };
}

export function checkPreconditions(def: ResourceDef, obj: KubeObject, pre: DeleteOptions['preconditions']): void {
  const name = obj.metadata.name;
  const resource = groupKind(def);
  const conflict = (msg: string): HttpError =>
    new HttpError(409, `Operation cannot be fulfilled on ${resource} "${name}": ${msg}`, 'Conflict', { name, ...(def.group ? { group: def.group } : {}), kind: def.kind });
  if (pre.uid !== undefined && pre.uid !== obj.metadata.uid) {
    throw conflict(`the UID in the precondition (${pre.uid}) does not match the UID in record (${String(obj.metadata.uid)}). The object might have been deleted and then recreated`);
  }
  if (pre.resourceVersion !== undefined && pre.resourceVersion !== obj.metadata.resourceVersion) {
    throw conflict(`the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${String(obj.metadata.resourceVersion)}). The object might have been modified`);
  }
}
