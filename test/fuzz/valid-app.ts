// The valid app every fuzzed input is added to, so that a fuzzed document that parses reaches the render: an
// ImagePullSecret, its target Namespace and its input-mode source Secret, whose password is a canary.
import { validAppDocuments } from '../support/builders.js';

export const APP_PASSWORD = 'CANARY-fz-app-password';

export const VALID_APP = validAppDocuments(APP_PASSWORD).join('---\n');

/** Documents (a YAML stream) as ResourceList items, each indented under `- ` as kustomize writes them. */
export function asItems(docs: string): string {
  return docs
    .split(/^---\r?\n/m)
    .filter((doc) => doc.trim() !== '')
    .map((doc) => doc.replace(/\r?\n$/, '').split('\n').map((line, i) => (i === 0 ? `- ${line}` : line === '' ? '' : `  ${line}`)).join('\n'))
    .join('\n');
}

/** A ResourceList of the valid app plus `extra` items (text, kept as written), settings `cluster: input`. */
export function resourceList(extra: string, functionConfig = '{apiVersion: v1, kind: ConfigMap, metadata: {name: fn}, data: {cluster: input}}'): string {
  return `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig: ${functionConfig}\nitems:\n${asItems(VALID_APP)}\n${extra === '' ? '' : `${asItems(extra)}\n`}`;
}
