// Pruning of custom resources by their CRD's structural schema, as
// staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning/algorithm.go does on every write: fields
// the schema does not declare are dropped silently (unless `x-kubernetes-preserve-unknown-fields`), so a controller
// writing a status field its CRD lacks loses it. The schema is the CRD this project ships (deploy/crd/).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { isRecord } from '../wire.js';

export interface StructuralSchema {
  type?: string;
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: StructuralSchema | boolean;
  items?: StructuralSchema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

const DEPLOY = join(import.meta.dirname, '..', '..', '..', '..', 'deploy');
/** Where the shipped CRDs are: the ImagePullSecret's, and msi-acrpull's (the optional deploy/acrpull component). */
const CRD_DIRS = [join(DEPLOY, 'crd'), join(DEPLOY, 'acrpull', 'crd')];

/** The openAPIV3Schema of `version` in the shipped CRD named `<plural>.<group>`. */
export function loadCrdSchema(plural: string, group: string, version: string): StructuralSchema {
  const file = CRD_DIRS.map((dir) => join(dir, `${plural}.${group}.yaml`)).find((path) => existsSync(path)) ?? join(CRD_DIRS[0]!, `${plural}.${group}.yaml`);
  const crd = YAML.parse(readFileSync(file, 'utf8')) as { spec: { versions: { name: string; schema: { openAPIV3Schema: StructuralSchema } }[] } };
  const v = crd.spec.versions.find((x) => x.name === version);
  if (!v) throw new Error(`fake kube-apiserver: the shipped CRD ${plural}.${group} has no version ${version}`);
  return v.schema.openAPIV3Schema;
}

/** Drops what `schema` does not declare, in place; returns the value to keep. */
export function prune(value: unknown, schema: StructuralSchema | undefined): unknown {
  if (!schema) return value;
  if (Array.isArray(value)) return schema.items ? value.map((item) => prune(item, schema.items)) : value;
  if (!isRecord(value)) return value;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  for (const key of Object.keys(value)) {
    const child = schema.properties?.[key] ?? additional;
    if (child) value[key] = prune(value[key], child);
    else if (!preserve && schema.additionalProperties !== true) delete value[key];
  }
  return value;
}

/** The root: apiVersion, kind and metadata are the server's to handle; the rest is pruned by the schema. */
export function pruneObject(obj: Record<string, unknown>, schema: StructuralSchema): void {
  for (const key of Object.keys(obj)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'metadata') continue;
    const child = schema.properties?.[key];
    if (child) obj[key] = prune(obj[key], child);
    else if (schema['x-kubernetes-preserve-unknown-fields'] !== true) delete obj[key];
  }
}
