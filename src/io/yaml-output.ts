import { stringify } from 'yaml';

/** A YAML stream, one document per object; long base64 values stay on one line. */
export function toYamlStream(objects: readonly unknown[]): string {
  return objects.map((object) => stringify(object, { lineWidth: 0 })).join('---\n');
}

/** A `v1` `List`, as `kubectl get -o json` prints several objects. */
export function toJsonList(objects: readonly unknown[]): string {
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: {}, items: objects }, null, 2)}\n`;
}
