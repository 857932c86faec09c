// Pods: a small part of pkg/apis/core/validation/validation.go ValidatePodCreate / ValidatePodSpec, the part a test
// of this project can get wrong: at least one container (`spec.containers: Required value`), container names
// (DNS-1123 labels, unique) and images. pkg/registry/core/pod/strategy.go: a main-resource write keeps status.

import { duplicate, type FieldError, invalid, required } from '../field-errors.js';
import { isDNS1123Label, nameIsDNSSubdomain } from '../k8s-names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../object-meta.js';
import type { KubeObject } from '../types.js';
import { isRecord } from '../wire.js';
import { checkObjectMeta, dropUnknownFields } from './decode.js';
import type { KindStrategy } from './strategy.js';

const DEF = { kind: 'Pod', version: 'v1' };

function validateContainers(pod: KubeObject): FieldError[] {
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  if (containers.length === 0) return [required('spec.containers')];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((raw, i) => {
    const c = isRecord(raw) ? raw : {};
    const path = `spec.containers[${i}]`;
    const name = typeof c.name === 'string' ? c.name : '';
    if (name === '') errs.push(required(`${path}.name`));
    else {
      for (const msg of isDNS1123Label(name)) errs.push(invalid(`${path}.name`, name, msg));
      if (seen.has(name)) errs.push(duplicate(`${path}.name`, name));
      seen.add(name);
    }
    if (typeof c.image !== 'string' || c.image.trim() === '') errs.push(required(`${path}.image`));
  });
  return errs;
}

export const podStrategy: KindStrategy = {
  nameFn: nameIsDNSSubdomain,
  coreGroup: true,
  fields: ['spec', 'status'],
  allowUnconditionalUpdate: true,
  tracksGeneration: false,
  decode(obj) {
    checkObjectMeta(DEF, obj);
    dropUnknownFields(obj, this.fields);
  },
  validateCreate: (pod) => [...validateObjectMeta(pod.metadata, true, nameIsDNSSubdomain, true), ...validateContainers(pod)],
  validateUpdate: (next, prev) => [...validateObjectMetaUpdate(next.metadata, prev.metadata, true), ...validateContainers(next)],
};
