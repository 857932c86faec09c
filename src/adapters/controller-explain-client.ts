/** The controller's answer can list every namespace of a large cluster; anything beyond this is not an explanation. */
export const MAX_ANSWER_BYTES = 64 << 20;
const TIMEOUT_MS = 30_000;

export interface ControllerAnswer {
  readonly status: number;
  /** The Content-Type header, '' when absent. */
  readonly type: string;
  readonly body: string;
}

/**
 * GET `<base>/explain?...` from a running controller, usually through `kubectl port-forward` on loopback. No
 * credential is sent: the explain endpoint listens on the Pod's loopback, and reaching it is the authorisation.
 */
export async function getControllerExplanation(base: URL, query: URLSearchParams): Promise<ControllerAnswer> {
  const url = new URL('explain', base.href.endsWith('/') ? base.href : `${base.href}/`);
  url.search = query.toString();
  // Imported on use: every face starts from the one CLI bundle, and only this mode talks HTTP.
  const transport = url.protocol === 'https:' ? (await import('node:https')).default : (await import('node:http')).default;
  return new Promise((resolve, reject) => {
    const request = transport.get(url, { headers: { Accept: 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          request.destroy(new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', reject);
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.setTimeout(TIMEOUT_MS, () => request.destroy(new Error(`no answer in ${TIMEOUT_MS / 1000} s`)));
    request.on('error', reject);
  });
}
