import type { NamespaceFacts, PodFacts } from '../../core/facts.js';
import { isRecord, stringMap, stringOf } from '../../core/records.js';
import type { StringMap } from '../../core/selectors.js';
import type { ClusterReader } from '../../ports/cluster.js';
import type { LiveTarget } from './detect.js';
import { loadKubeAccess } from './kube-access.js';
import { KubeApiError, kubeHttp } from './kube-http.js';
import { listPages, METADATA_ONLY_ACCEPT } from './list-pages.js';
import { errorMessage } from '../../core/problems.js';

const PAGE_SIZE = 500;

/**
 * Reads the live cluster with list pages, never per-namespace calls: namespaces and pods (metadata only)
 * cluster-wide with `limit`/`continue`, and only the source Secrets that are named.
 */
export function liveCluster(target: LiveTarget, env: NodeJS.ProcessEnv = process.env): ClusterReader {
  const http = kubeHttp(loadKubeAccess(target, env));
  const pages = { limit: PAGE_SIZE, accept: METADATA_ONLY_ACCEPT };
  return {
    description: `cluster ${http.server}`,
    async listNamespaces() {
      const namespaces: NamespaceFacts[] = [];
      const visit = (items: readonly unknown[]): void => {
        for (const item of items) {
          const meta = metadataOf(item);
          if (meta.name) namespaces.push({ name: meta.name, labels: meta.labels, annotations: meta.annotations });
        }
      };
      await described('list namespaces', listPages(http, '/api/v1/namespaces', { ...pages, onRestart: () => namespaces.splice(0) }, visit));
      return namespaces;
    },
    async scanPods(visit) {
      const onPage = (items: readonly unknown[]): void => {
        for (const item of items) {
          const meta = metadataOf(item);
          if (meta.namespace) visit({ namespace: meta.namespace, name: meta.name, labels: meta.labels, annotations: meta.annotations } satisfies PodFacts);
        }
      };
      // A restarted list visits pods again: the port asks visitors to be idempotent.
      await described('list pods', listPages(http, '/api/v1/pods', pages, onPage));
    },
    async readSecret(namespace, name) {
      const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`;
      let secret: unknown;
      try {
        secret = await http.request('GET', path);
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) return undefined;
        throw new Error(describe(`get secret ${namespace}/${name}`, error));
      }
      const record = isRecord(secret) ? secret : {};
      return {
        type: stringOf(record['type']),
        annotations: metadataOf(secret).annotations,
        data: isRecord(record['data']) ? record['data'] : undefined,
        stringData: isRecord(record['stringData']) ? record['stringData'] : undefined,
      };
    },
  };
}

async function described<T>(action: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw new Error(describe(action, error));
  }
}

/** `list pods: HTTP 403: <message>`: the action in words, the server's answer or the kubeconfig problem. */
function describe(action: string, error: unknown): string {
  if (error instanceof KubeApiError) return `${action}: ${error.detail}`;
  return `${action}: ${errorMessage(error)}`;
}

interface Metadata {
  name?: string | undefined;
  namespace?: string | undefined;
  labels: StringMap;
  annotations: StringMap;
}

function metadataOf(item: unknown): Metadata {
  const meta = isRecord(item) && isRecord(item['metadata']) ? item['metadata'] : {};
  return {
    name: stringOf(meta['name']),
    namespace: stringOf(meta['namespace']),
    labels: stringMap(meta['labels']),
    annotations: stringMap(meta['annotations']),
  };
}

