// CustomResourceDefinitions, only as far as the tests need them: stored and read back (a controller asks whether its
// CRD is being deleted). Their schema is not validated; the API server's own CRD validation is not modelled.

import { nameIsDNSSubdomain } from '../k8s-names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../object-meta.js';
import { checkObjectMeta } from './decode.js';
import type { KindStrategy } from './strategy.js';

const DEF = { kind: 'CustomResourceDefinition', version: 'v1' };

export const crdStrategy: KindStrategy = {
  nameFn: nameIsDNSSubdomain,
  coreGroup: false,
  allowUnconditionalUpdate: false,
  tracksGeneration: true,
  decode: (obj) => checkObjectMeta(DEF, obj),
  validateCreate: (crd) => validateObjectMeta(crd.metadata, false, nameIsDNSSubdomain, false),
  validateUpdate: (next, prev) => [...validateObjectMetaUpdate(next.metadata, prev.metadata, false), ...validateObjectMeta(next.metadata, false, nameIsDNSSubdomain, false)],
};
