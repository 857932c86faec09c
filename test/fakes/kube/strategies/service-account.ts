// ServiceAccounts: pkg/apis/core/validation/validation.go ValidateServiceAccount / ValidateServiceAccountUpdate
// (ObjectMeta with ValidateServiceAccountName = NameIsDNSSubdomain), pkg/registry/core/serviceaccount/strategy.go.
// List merge semantics (secrets: merge by name; imagePullSecrets: atomic) live in ../patch-meta.ts.

import { nameIsDNSSubdomain } from '../k8s-names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../object-meta.js';
import { checkObjectMeta, dropUnknownFields } from './decode.js';
import type { KindStrategy } from './strategy.js';

const DEF = { kind: 'ServiceAccount', version: 'v1' };

export const serviceAccountStrategy: KindStrategy = {
  nameFn: nameIsDNSSubdomain,
  coreGroup: true,
  fields: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  allowUnconditionalUpdate: true,
  tracksGeneration: false,
  decode(obj) {
    checkObjectMeta(DEF, obj);
    dropUnknownFields(obj, this.fields);
  },
  validateCreate: (sa) => validateObjectMeta(sa.metadata, true, nameIsDNSSubdomain, true),
  validateUpdate: (next, prev) => [...validateObjectMetaUpdate(next.metadata, prev.metadata, true), ...validateObjectMeta(next.metadata, true, nameIsDNSSubdomain, true)],
};
