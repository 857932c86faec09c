import * as k8s from '@kubernetes/client-node';
import type { NamespaceFacts, PodFacts } from '../../core/facts.js';
import type { StringMap } from '../../core/selectors.js';
import type { ClusterReader } from '../../ports/cluster.js';
import { describeKubeError, loadKubeConfig, statusOf } from './client.js';
import type { LiveTarget } from './detect.js';

const PAGE_SIZE = 500;
/** Pods as metadata only: labels and annotations are all the selectors read, at a fraction of the bytes. */
const METADATA_ONLY = k8s.setHeaderOptions('Accept', 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1');

interface Page<T> {
  items: T[];
  metadata?: { _continue?: string } | undefined;
}

/**
 * Reads the live cluster with list pages, never per-namespace calls: namespaces and pods cluster-wide with
 * `limit`/`continue`, and only the source Secrets that are named.
 */
export function liveCluster(target: LiveTarget): ClusterReader {
  const config = loadKubeConfig(target);
  const core = config.makeApiClient(k8s.CoreV1Api);
  return {
    description: `cluster ${config.getCurrentCluster()?.server ?? ''}`.trim(),
    async listNamespaces() {
      const namespaces: NamespaceFacts[] = [];
      await paginate('list namespaces', (token) => core.listNamespace({ limit: PAGE_SIZE, _continue: token }), (item) => {
        const meta = item.metadata;
        if (meta?.name) namespaces.push({ name: meta.name, labels: strings(meta.labels), annotations: strings(meta.annotations) });
      }, () => namespaces.splice(0));
      return namespaces;
    },
    async scanPods(visit) {
      await paginate(
        'list pods',
        (token) => core.listPodForAllNamespaces({ limit: PAGE_SIZE, _continue: token }, METADATA_ONLY),
        (item) => {
          const meta = item.metadata;
          if (meta?.namespace) {
            const pod: PodFacts = { namespace: meta.namespace, labels: strings(meta.labels), annotations: strings(meta.annotations) };
            visit(pod);
          }
        },
      );
    },
    async readSecret(namespace, name) {
      try {
        const secret = await core.readNamespacedSecret({ name, namespace });
        return { type: secret.type, data: secret.data, stringData: secret.stringData };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw new Error(describeKubeError(`get secret ${namespace}/${name}`, error));
      }
    },
  };
}

/**
 * Follows `continue` tokens, visiting page by page. A 410 means the snapshot behind the token expired: `restart`
 * forgets what was visited and the list starts again, once, rather than mixing two snapshots.
 */
async function paginate<T>(
  action: string,
  list: (token: string | undefined) => Promise<Page<T>>,
  visit: (item: T) => void,
  restart: () => void = () => undefined,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      let token: string | undefined;
      do {
        const page = await list(token);
        page.items.forEach(visit);
        token = page.metadata?._continue || undefined;
      } while (token);
      return;
    } catch (error) {
      if (statusOf(error) !== 410 || attempt > 0) throw new Error(describeKubeError(action, error));
      restart();
    }
  }
}

function strings(map: Record<string, string> | undefined): StringMap {
  return map ?? {};
}
