import { asRecord } from '../../core/records.js';
import { KubeApiError, type KubeHttp } from './kube-http.js';

export const METADATA_ONLY_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1, application/json';

export interface ListOptions {
  readonly limit: number;
  readonly accept?: string | undefined;
  readonly labelSelector?: string | undefined;
  readonly fieldSelector?: string | undefined;
  /**
   * A 410 mid-list means the snapshot behind the continue token expired: the list starts again, once, after this
   * is called (forget what was visited, rather than mixing two snapshots).
   */
  readonly onRestart?: () => void;
  readonly signal?: AbortSignal | undefined;
}

/**
 * The one pagination loop (live render, controller reflectors): `limit`/`continue` pages handed to `visit` as raw
 * items (plain JSON.parse: on 100,000 pods typed deserialisation would be most of the time). A server that hands
 * back a continue token it already gave would make this loop for ever: that is an error. Returns the list's
 * resourceVersion, for a watch to start from.
 */
export async function listPages(http: KubeHttp, path: string, options: ListOptions, visit: (items: readonly unknown[]) => void): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    let token: string | undefined;
    try {
      return await listOnce(http, path, options, visit, (next) => {
        token = next;
      });
    } catch (error) {
      const expired = error instanceof KubeApiError && error.status === 410 && token !== undefined;
      if (!expired || attempt > 0 || options.signal?.aborted) throw error;
      options.onRestart?.();
    }
  }
}

async function listOnce(http: KubeHttp, path: string, options: ListOptions, visit: (items: readonly unknown[]) => void, onToken: (token: string) => void): Promise<string> {
  const seen = new Set<string>();
  let token: string | undefined;
  let resourceVersion = '';
  do {
    const answer = await http.request('GET', path, {
      query: { limit: String(options.limit), continue: token, labelSelector: options.labelSelector, fieldSelector: options.fieldSelector },
      accept: options.accept,
    });
    const page = asRecord(answer);
    const items = page['items'] ?? [];
    if (answer !== page || !Array.isArray(items)) throw new KubeApiError(`GET ${path}`, 'the answer is not a list (no items)', 0, undefined, undefined);
    visit(items);
    const metadata = asRecord(page['metadata']);
    if (typeof metadata['resourceVersion'] === 'string') resourceVersion = metadata['resourceVersion'];
    const next = typeof metadata['continue'] === 'string' && metadata['continue'] !== '' ? metadata['continue'] : undefined;
    if (next !== undefined) {
      if (seen.has(next)) throw new KubeApiError(`GET ${path}`, `the server sent a continue token it had already sent (after ${seen.size} pages); stopped rather than list for ever`, 0, undefined, undefined);
      seen.add(next);
      onToken(next);
    }
    token = next;
  } while (token !== undefined && !options.signal?.aborted);
  return resourceVersion;
}

