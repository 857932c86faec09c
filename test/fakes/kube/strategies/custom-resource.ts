// Custom resources (ImagePullSecret): staging/src/k8s.io/apiextensions-apiserver/pkg/registry/customresource/
// strategy.go and validator.go: ObjectMeta with NameIsDNSSubdomain; AllowUnconditionalUpdate is false (a PUT must
// carry metadata.resourceVersion); generation starts at 1 and moves when anything but metadata and status changes.
// Unknown fields are pruned by the shipped CRD's structural schema (./crd-schema.ts); its other constraints are not
// checked here (a cluster may run the IMPS CRD, and the controller must then report invalid specs itself).

import { nameIsDNSSubdomain } from '../k8s-names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../object-meta.js';
import type { ResourceDef } from '../registry.js';
import { loadCrdSchema, pruneObject } from './crd-schema.js';
import { checkObjectMeta } from './decode.js';
import type { KindStrategy } from './strategy.js';

export function customResourceStrategy(def: ResourceDef): KindStrategy {
  const wire = { kind: def.kind, version: def.version };
  const schema = loadCrdSchema(def.plural, def.group, def.version);
  return {
    nameFn: nameIsDNSSubdomain,
    coreGroup: false,
    allowUnconditionalUpdate: false,
    tracksGeneration: true,
    decode: (obj) => {
      checkObjectMeta(wire, obj);
      pruneObject(obj, schema);
    },
    validateCreate: (cr) => validateObjectMeta(cr.metadata, def.namespaced, nameIsDNSSubdomain, false),
    validateUpdate: (next, prev) => [...validateObjectMetaUpdate(next.metadata, prev.metadata, false), ...validateObjectMeta(next.metadata, def.namespaced, nameIsDNSSubdomain, false)],
  };
}
