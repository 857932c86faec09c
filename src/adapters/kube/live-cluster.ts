import * as k8s from '@kubernetes/client-node';
import type { NamespaceFacts, PodFacts } from '../../core/facts.js';
import type { StringMap } from '../../core/selectors.js';
import type { ClusterReader } from '../../ports/cluster.js';
import { describeKubeError, loadKubeConfig, statusOf } from './client.js';
import type { LiveTarget } from './detect.js';
import { KubeRequestError, listPages, METADATA_ONLY_ACCEPT } from './raw-list.js';

const PAGE_SIZE = 500;

/**
 * Reads the live cluster with list pages, never per-namespace calls: namespaces and pods (metadata only)
 * cluster-wide with `limit`/`continue`, and only the source Secrets that are named.
 */
export function liveCluster(target: LiveTarget): ClusterReader {
  const config = loadKubeConfig(target);
  const core = config.makeApiClient(k8s.CoreV1Api);
  return {
    description: `cluster ${config.getCurrentCluster()?.server ?? ''}`.trim(),
    async listNamespaces() {
      const namespaces: NamespaceFacts[] = [];
      await listFresh(
        'list namespaces',
        (visit) => listPages(config, '/api/v1/namespaces', { limit: PAGE_SIZE, accept: METADATA_ONLY_ACCEPT }, visit),
        (items) => {
          for (const item of items) {
            const meta = metadataOf(item);
            if (meta.name) namespaces.push({ name: meta.name, labels: meta.labels, annotations: meta.annotations });
          }
        },
        () => namespaces.splice(0),
      );
      return namespaces;
    },
    async scanPods(visit) {
      await listFresh(
        'list pods',
        (onPage) => listPages(config, '/api/v1/pods', { limit: PAGE_SIZE, accept: METADATA_ONLY_ACCEPT }, onPage),
        (items) => {
          for (const item of items) {
            const meta = metadataOf(item);
            if (meta.namespace) {
              const pod: PodFacts = { namespace: meta.namespace, name: meta.name, labels: meta.labels, annotations: meta.annotations };
              visit(pod);
            }
          }
        },
      );
    },
    async readSecret(namespace, name) {
      try {
        const secret = await core.readNamespacedSecret({ name, namespace });
        return { type: secret.type, annotations: secret.metadata?.annotations, data: secret.data, stringData: secret.stringData };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw new Error(describeKubeError(`get secret ${namespace}/${name}`, error));
      }
    },
  };
}

/**
 * A 410 means the snapshot behind a continue token expired: `restart` forgets what was visited and the list
 * starts again, once, rather than mixing two snapshots.
 */
async function listFresh(
  action: string,
  list: (visit: (items: unknown[]) => void) => Promise<void>,
  visit: (items: unknown[]) => void,
  restart: () => void = () => undefined,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await list(visit);
      return;
    } catch (error) {
      const code = error instanceof KubeRequestError ? error.code : undefined;
      if (code !== 410 || attempt > 0) throw new Error(`${action}: ${error instanceof Error ? error.message : String(error)}`);
      restart();
    }
  }
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
    name: typeof meta['name'] === 'string' ? meta['name'] : undefined,
    namespace: typeof meta['namespace'] === 'string' ? meta['namespace'] : undefined,
    labels: stringMap(meta['labels']),
    annotations: stringMap(meta['annotations']),
  };
}

function stringMap(value: unknown): StringMap {
  if (!isRecord(value)) return {};
  for (const entry of Object.values(value)) if (typeof entry !== 'string') return {};
  return value as StringMap;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
