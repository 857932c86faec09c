import { Schema, stringify, type ScalarTag, type SchemaOptions } from 'yaml';

/**
 * Matches strings that PyYAML (the YAML 1.1 reader behind Ansible, yamllint and many CI checks) does not read back as
 * the same plain string, beyond what the yaml library's own YAML 1.1 schema knows: `=` (PyYAML's implicit `value`
 * tag, which its safe loader then refuses) and a tab inside a plain scalar (its scanner stops there). They exist only
 * to be tested by `compat` when printing; nothing is ever parsed with them.
 */
const pyyamlOnly: ScalarTag[] = [
  { tag: 'tag:yaml.org,2002:value', default: true, test: /^=$/, resolve: (text) => text },
  { tag: 'tag:imps-krm.io,2026:plain-tab', default: true, test: /\t/, resolve: (text) => text },
];

/**
 * Schema options for every YAML imps-krm prints. Output is YAML 1.2, but a string that a YAML 1.1 reader would take
 * for another type (`2026-11-29T22:29:50Z`, `yes`, `off`, `y`, `0755`, `1_000`, `1:20`, `~`, `<<`) is quoted: with
 * `compat`, the yaml library quotes a plain string that the compat schema resolves to another tag
 * (yaml's stringifyString.js, `compat?.some(test)`). Strings only: numbers and booleans print as before.
 */
export const YAML_SCHEMA: SchemaOptions = { compat: [...new Schema({ schema: 'yaml-1.1', merge: true }).tags, ...pyyamlOnly] };

/** A YAML stream, one document per object; long base64 values stay on one line. */
export function toYamlStream(objects: readonly unknown[]): string {
  return objects.map((object) => stringify(object, { ...YAML_SCHEMA, lineWidth: 0 })).join('---\n');
}

/** A `v1` `List`, as `kubectl get -o json` prints several objects. */
export function toJsonList(objects: readonly unknown[]): string {
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: {}, items: objects }, null, 2)}\n`;
}
