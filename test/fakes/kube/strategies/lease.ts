// Leases: pkg/apis/coordination/validation/validation.go ValidateLease / ValidateLeaseSpec (name: DNS-1123
// subdomain; leaseDurationSeconds > 0; leaseTransitions >= 0), pkg/registry/coordination/lease/strategy.go.
// acquireTime and renewTime are metav1.MicroTime: six fractional digits or the body cannot be decoded.

import { type FieldError, invalid } from '../field-errors.js';
import { nameIsDNSSubdomain } from '../k8s-names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../object-meta.js';
import type { KubeObject } from '../types.js';
import { isRecord } from '../wire.js';
import { checkObjectMeta, dropUnknownFields } from './decode.js';
import type { KindStrategy } from './strategy.js';
import { checkMicroTime } from './times.js';

const DEF = { kind: 'Lease', version: 'v1' };

function validateLease(lease: KubeObject): FieldError[] {
  const errs = validateObjectMeta(lease.metadata, true, nameIsDNSSubdomain, false);
  const spec = isRecord(lease.spec) ? lease.spec : {};
  if (typeof spec.leaseDurationSeconds === 'number' && spec.leaseDurationSeconds <= 0) errs.push(invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  if (typeof spec.leaseTransitions === 'number' && spec.leaseTransitions < 0) errs.push(invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  return errs;
}

export const leaseStrategy: KindStrategy = {
  nameFn: nameIsDNSSubdomain,
  coreGroup: false,
  fields: ['spec'],
  allowUnconditionalUpdate: true,
  tracksGeneration: false,
  decode(obj) {
    checkObjectMeta(DEF, obj);
    dropUnknownFields(obj, this.fields);
    const spec = isRecord(obj.spec) ? obj.spec : {};
    checkMicroTime(DEF, spec.acquireTime);
    checkMicroTime(DEF, spec.renewTime);
  },
  validateCreate: validateLease,
  validateUpdate: (next, prev) => [...validateObjectMetaUpdate(next.metadata, prev.metadata, false), ...validateLease(next)],
};
