import type { NamespaceFacts, PodFacts } from '../core/facts.js';
import { dns1123LabelErrors, dns1123SubdomainErrors } from '../core/names.js';
import type { Problem, ResourceRef } from '../core/problems.js';
import type { StringMap } from '../core/selectors.js';
import type { SourceSecret } from '../core/sources.js';
import { isRecord, stringMap, stringOf } from '../core/records.js';
import type { InputDocument } from '../io/documents.js';
import type { ClusterReader } from '../ports/cluster.js';

/** Kinds whose Pod template stands for the Pods they will create: in manifests there are no Pods yet. */
const WORKLOAD_TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/**
 * A cluster made of the input manifests, for renders with no cluster at all:
 * - namespaces: Namespace objects, the namespace of every namespaced object, and the extra names given
 *   (the `names` of the ImagePullSecrets: with no cluster to contradict them, listed namespaces exist);
 * - pods: Pod objects and the Pod templates of workloads;
 * - source Secrets: Secret objects.
 */
export function inputCluster(objects: readonly unknown[], extraNamespaces: readonly string[] = []): ClusterReader {
  const namespaces = new Map<string, NamespaceFacts>();
  const pods: PodFacts[] = [];
  const secrets = new Map<string, SourceSecret>();
  const addNamespace = (name: string, labels: StringMap = {}, annotations: StringMap = {}): void => {
    const existing = namespaces.get(name);
    // A Namespace object's metadata wins over a bare mention.
    if (!existing || Object.keys(labels).length + Object.keys(annotations).length > 0) {
      namespaces.set(name, { name, labels, annotations });
    }
  };

  for (const object of objects) {
    if (!isRecord(object) || !isRecord(object['metadata'])) continue;
    const metadata = object['metadata'];
    const name = stringOf(metadata['name']);
    const namespace = stringOf(metadata['namespace']);
    const kind = object['kind'];
    if (kind === 'Namespace' && object['apiVersion'] === 'v1' && name) {
      addNamespace(name, stringMap(metadata['labels']), stringMap(metadata['annotations']));
      continue;
    }
    if (namespace) addNamespace(namespace);
    if (kind === 'Pod' && namespace) {
      pods.push({ namespace, name, labels: stringMap(metadata['labels']), annotations: stringMap(metadata['annotations']) });
    } else if (typeof kind === 'string' && kind in WORKLOAD_TEMPLATE_PATHS && namespace) {
      const template = dig(object, WORKLOAD_TEMPLATE_PATHS[kind]!);
      const templateMeta = isRecord(template) && isRecord(template['metadata']) ? template['metadata'] : {};
      pods.push({ namespace, name, kind, labels: stringMap(templateMeta['labels']), annotations: stringMap(templateMeta['annotations']) });
    } else if (kind === 'Secret' && object['apiVersion'] === 'v1' && name && namespace) {
      secrets.set(`${namespace}/${name}`, {
        type: stringOf(object['type']),
        annotations: stringMap(metadata['annotations']),
        data: looseStringMap(object['data']),
        stringData: looseStringMap(object['stringData']),
      });
    }
  }
  for (const name of extraNamespaces) addNamespace(name);

  return {
    description: 'input manifests',
    isInput: true,
    listNamespaces: async () => [...namespaces.values()],
    scanPods: async (visit) => pods.forEach(visit),
    readSecret: async (namespace, name) => secrets.get(`${namespace}/${name}`),
  };
}

/**
 * The namespaces `inputCluster` would make from these documents, checked as the API server checks them (a DNS-1123
 * label): a Namespace named `Bad_NS`, or an object in namespace `../etc`, could never exist in a cluster, and a Secret
 * rendered for it would be refused when applied, or worse, pruned and recreated by every sync. One problem per rule
 * broken, naming the file, the document and the field; the name itself is not repeated.
 */
export function inputNamespaceProblems(documents: readonly InputDocument[]): Problem[] {
  const problems: Problem[] = [];
  for (const { value, origin } of documents) {
    if (!isRecord(value) || !isRecord(value['metadata'])) continue;
    const metadata = value['metadata'];
    const checks: Array<[string, unknown]> = [];
    if (value['kind'] === 'Namespace' && value['apiVersion'] === 'v1') checks.push(['metadata.name', metadata['name']]);
    // Only strings become namespaces here; `inputCluster` ignores anything else.
    else checks.push(['metadata.namespace', metadata['namespace']]);
    for (const [field, name] of checks) {
      if (typeof name !== 'string' || name === '') continue;
      for (const message of dns1123LabelErrors(name)) {
        problems.push({ severity: 'error', resource: shownResource(value), file: origin, field, message: `invalid namespace name: ${message}` });
      }
    }
  }
  return problems;
}

/**
 * The object as a problem names it, when its kind is short and printable and its name a name Kubernetes accepts (a
 * DNS-1123 subdomain); else the file says where. An invalid name is input that may be anything, a pasted password
 * included: named by its rule, never repeated, as select-inputs.ts does for ImagePullSecrets (a printable Pod name
 * was repeated: found by test/fuzz/apps.test.ts).
 */
function shownResource(value: Record<string, unknown>): ResourceRef | undefined {
  const metadata = value['metadata'] as Record<string, unknown>;
  const { apiVersion, kind } = value;
  const name = metadata['name'];
  const printable = (text: unknown, max: number): text is string => typeof text === 'string' && text.length <= max && /^[\x21-\x7e]+$/.test(text);
  if (!printable(apiVersion, 253) || !printable(kind, 63) || typeof name !== 'string' || dns1123SubdomainErrors(name).length > 0) return undefined;
  if (kind === 'Namespace' && dns1123LabelErrors(name).length > 0) return undefined;
  return { apiVersion, kind, name };
}

function dig(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), value);
}

/**
 * Secret data keeps non-string values (an unquoted `accountID: 123`) so source parsing can say what is wrong
 * instead of the key silently vanishing.
 */
function looseStringMap(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}
