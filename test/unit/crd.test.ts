import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DNS1123_LABEL_PATTERN, DNS1123_SUBDOMAIN_PATTERN, LABEL_KEY_PATTERN, LABEL_VALUE_PATTERN, NAME_OR_GLOB_PATTERN } from '../../src/validation/name-patterns.js';

// There is no API server here: these are the rules of a structural schema as the Kubernetes documentation states them
// ("Specifying a structural schema", apiextensions.k8s.io/v1 JSONSchemaProps), checked on the generated CRD.
type Node = Record<string, unknown>;

const crd = parse(readFileSync(join(import.meta.dirname, '../../deploy/crd/imagepullsecrets.images.banzaicloud.io.yaml'), 'utf8')) as {
  spec: { versions: Array<{ schema: { openAPIV3Schema: Node } }> };
};
const root = crd.spec.versions[0]!.schema.openAPIV3Schema;

/** Keywords JSONSchemaProps has and a v1 CRD accepts; $ref, definitions, dependencies, propertyNames, if/then/else... are not. */
const ALLOWED = new Set([
  'description', 'type', 'format', 'title', 'default', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum',
  'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'multipleOf', 'enum', 'maxProperties', 'minProperties',
  'required', 'items', 'allOf', 'oneOf', 'anyOf', 'not', 'properties', 'additionalProperties', 'nullable', 'example',
]);

function walk(node: Node, path: string, visit: (node: Node, path: string) => void): void {
  visit(node, path);
  for (const [name, child] of Object.entries((node['properties'] as Record<string, Node> | undefined) ?? {})) walk(child, `${path}.${name}`, visit);
  if (typeof node['additionalProperties'] === 'object') walk(node['additionalProperties'] as Node, `${path}{}`, visit);
  if (typeof node['items'] === 'object') walk(node['items'] as Node, `${path}[]`, visit);
}

describe('the generated CRD', () => {
  it('is a structural schema: known keywords only, a type on every node, properties or additionalProperties', () => {
    const problems: string[] = [];
    walk(root, 'openAPIV3Schema', (node, path) => {
      for (const key of Object.keys(node)) if (!ALLOWED.has(key) && !key.startsWith('x-kubernetes-')) problems.push(`${path}: ${key}`);
      if (typeof node['type'] !== 'string') problems.push(`${path}: no type`);
      if (node['properties'] && node['additionalProperties']) problems.push(`${path}: properties and additionalProperties`);
    });
    expect(problems).toEqual([]);
  });

  it('carries patterns that RE2 (the API server) and JavaScript read alike: no lookaround, no back-references', () => {
    const patterns: string[] = [];
    walk(root, 'openAPIV3Schema', (node) => {
      if (typeof node['pattern'] === 'string') patterns.push(node['pattern']);
    });
    expect(patterns.length).toBeGreaterThan(0);
    for (const pattern of patterns) {
      expect(pattern).not.toMatch(/\(\?[=!<]|\\[1-9]/);
      expect(() => new RegExp(pattern)).not.toThrow();
    }
  });

  it('enforces the Kubernetes name and label rules on the fields a pattern can check', () => {
    const target = (root['properties'] as Record<string, Node>)['spec']!['properties'] as Record<string, Node>;
    const at = (node: Node, ...path: string[]): Node =>
      path.reduce((current, key) => (key === '[]' ? (current['items'] as Node) : key === '{}' ? (current['additionalProperties'] as Node) : (current['properties'] as Record<string, Node>)[key]!), node);
    expect(at(target['target']!, 'namespaces', 'names', '[]')).toMatchObject({ pattern: DNS1123_LABEL_PATTERN, maxLength: 63 });
    expect(at(target['target']!, 'secret', 'name')).toMatchObject({ pattern: DNS1123_SUBDOMAIN_PATTERN, maxLength: 253 });
    expect(at(target['target']!, 'secret', 'labels', '{}')).toMatchObject({ pattern: LABEL_VALUE_PATTERN, maxLength: 63 });
    expect(at(target['target']!, 'excludeNamespaces', '[]')).toMatchObject({ pattern: NAME_OR_GLOB_PATTERN, maxLength: 63 });
    expect(at(target['target']!, 'serviceAccounts', '[]')).toMatchObject({ pattern: DNS1123_SUBDOMAIN_PATTERN });
    const requirement = at(target['target']!, 'namespaces', 'labels', '[]', 'matchExpressions', '[]');
    expect(at(requirement, 'key')).toMatchObject({ pattern: LABEL_KEY_PATTERN, maxLength: 317 });
    expect(at(requirement, 'values', '[]')).toMatchObject({ pattern: LABEL_VALUE_PATTERN });
    expect(at(target['registry']!, 'credentials', '[]', 'namespace')).toMatchObject({ pattern: DNS1123_LABEL_PATTERN });
    expect(at(target['registry']!, 'credentials', '[]', 'name')).toMatchObject({ pattern: DNS1123_SUBDOMAIN_PATTERN });
  });
});
