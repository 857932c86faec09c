import * as http from 'node:http';
import * as https from 'node:https';
import type * as k8s from '@kubernetes/client-node';

/** An API error with its HTTP status, so callers branch on the code (410 = continue token expired). */
export class KubeRequestError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'KubeRequestError';
  }
}

interface ListPage {
  items?: unknown[];
  metadata?: { continue?: string };
}

export const METADATA_ONLY_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1, application/json';

/**
 * Lists a collection page by page with `limit`/`continue`, handing each page's raw items to `visit`.
 * Plain JSON.parse instead of client-node's typed deserialisation: on 100,000 pods that is most of the time.
 * Auth, TLS, proxies and exec credential plugins still come from client-node's KubeConfig.
 */
export async function listPages(
  config: k8s.KubeConfig,
  path: string,
  options: { limit: number; accept?: string },
  visit: (items: unknown[]) => void,
): Promise<void> {
  const server = config.getCurrentCluster()?.server;
  if (!server) throw new Error('no cluster configured');
  let token: string | undefined;
  do {
    const url = new URL(path.replace(/^\//, ''), server.endsWith('/') ? server : `${server}/`);
    url.searchParams.set('limit', String(options.limit));
    if (token) url.searchParams.set('continue', token);
    const page = (await getJson(config, url, options.accept ?? 'application/json')) as ListPage;
    visit(page.items ?? []);
    token = page.metadata?.continue || undefined;
  } while (token);
}

async function getJson(config: k8s.KubeConfig, url: URL, accept: string): Promise<unknown> {
  const options: https.RequestOptions = { method: 'GET', headers: {} };
  await config.applyToHTTPSOptions(options);
  options.headers = { ...options.headers, Accept: accept };
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(url, options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          try {
            resolve(JSON.parse(body));
          } catch {
            reject(new KubeRequestError(status, 'response is not JSON'));
          }
          return;
        }
        reject(new KubeRequestError(status, `HTTP ${status}${statusMessage(body)}`));
      });
    });
    request.setTimeout(30_000, () => request.destroy(new Error('request timed out after 30 s')));
    request.on('error', reject);
    request.end();
  });
}

function statusMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    const message = typeof parsed === 'object' && parsed !== null ? (parsed as { message?: unknown }).message : undefined;
    return typeof message === 'string' ? `: ${message}` : '';
  } catch {
    return '';
  }
}
