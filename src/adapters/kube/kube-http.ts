import http from 'node:http';
import https from 'node:https';
import type { KubeAccess } from './kube-access.js';

/** A failed API call: HTTP status (0 for network errors and timeouts), Status reason and Retry-After. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string | undefined,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly accept?: string;
  readonly timeoutMs?: number;
}

export interface WatchEvent {
  readonly type: string;
  readonly object: unknown;
}

/**
 * The few REST calls the controller makes, over node:http(s) with the kubeconfig's TLS and credentials. client-node's
 * typed clients cannot ask for metadata-only watches or expose Retry-After, and the controller needs both.
 */
export interface KubeHttp {
  readonly server: string;
  request(method: string, path: string, options?: RequestOptions): Promise<unknown>;
  /** Streams watch events until the server ends the watch (resolves) or the connection fails (rejects). */
  watch(path: string, options: RequestOptions, onEvent: (event: WatchEvent) => void, signal: AbortSignal): Promise<void>;
}

/** Observes every call for metrics: verb and HTTP status (0: network error). */
export type ApiObserver = (verb: string, status: number) => void;

const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * A watch with no byte for this long is dead: reconnect. Longer than the server-side timeout the reflector asks for
 * (at most 10 min), so a quiet but healthy watch ends cleanly first.
 */
const WATCH_IDLE_MS = 11 * 60_000;

export function kubeHttp(access: KubeAccess, observe: ApiObserver = () => undefined): KubeHttp {
  const server = access.server;
  const base = new URL(server);
  const transport = base.protocol === 'https:' ? https : http;

  async function open(method: string, path: string, options: RequestOptions): Promise<http.ClientRequest> {
    const url = new URL(`${base.pathname.replace(/\/$/, '')}${path}`, base);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    const requestOptions: https.RequestOptions = { method, headers: {} };
    await access.apply(requestOptions);
    const headers: Record<string, string> = { ...(requestOptions.headers as Record<string, string>), Accept: options.accept ?? 'application/json' };
    if (options.body !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      // Node frames a DELETE body neither with Content-Length nor chunked: without this header the server sees no
      // body (a DELETE would lose its preconditions) and reads the JSON as the next request on the connection.
      headers['Content-Length'] = String(Buffer.byteLength(JSON.stringify(options.body)));
    }
    return transport.request(url, { ...requestOptions, headers, agent: requestOptions.agent });
  }

  return {
    server,
    async request(method, path, options = {}) {
      const verb = method === 'GET' && isCollection(path) ? 'LIST' : method;
      try {
        const req = await open(method, path, options);
        const result = await new Promise<{ status: number; text: string; retryAfter: string | undefined }>((resolve, reject) => {
          req.setTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => req.destroy(new Error(`timed out after ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`)));
          req.on('error', reject);
          req.on('response', (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', reject);
            res.on('end', () => {
              const retry = res.headers['retry-after'];
              resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), retryAfter: typeof retry === 'string' ? retry : undefined });
            });
          });
          req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
        });
        observe(verb, result.status);
        const body = parseJson(result.text);
        if (result.status >= 400) throw apiError(`${method} ${path}`, result.status, body, result.retryAfter);
        return body;
      } catch (error) {
        if (error instanceof KubeApiError) throw error;
        observe(verb, 0);
        throw new KubeApiError(`${method} ${path}: ${error instanceof Error ? error.message : String(error)}`, 0, undefined, undefined);
      }
    },
    async watch(path, options, onEvent, signal) {
      const req = await open('GET', path, options);
      await new Promise<void>((resolve, reject) => {
        const abort = (): void => {
          req.destroy();
          resolve();
        };
        if (signal.aborted) return abort();
        signal.addEventListener('abort', abort, { once: true });
        req.setTimeout(WATCH_IDLE_MS, () => req.destroy(new Error('watch idle timeout')));
        req.on('error', (error) => {
          signal.removeEventListener('abort', abort);
          if (signal.aborted) return resolve();
          observe('WATCH', 0);
          reject(new KubeApiError(`watch ${path}: ${error.message}`, 0, undefined, undefined));
        });
        req.on('response', (res) => {
          const status = res.statusCode ?? 0;
          observe('WATCH', status);
          if (status >= 400) {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
              const retry = res.headers['retry-after'];
              reject(apiError(`watch ${path}`, status, parseJson(Buffer.concat(chunks).toString('utf8')), typeof retry === 'string' ? retry : undefined));
            });
            return;
          }
          let pending = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            pending += chunk;
            let newline = pending.indexOf('\n');
            while (newline >= 0) {
              const line = pending.slice(0, newline).trim();
              pending = pending.slice(newline + 1);
              if (line) {
                const event = parseJson(line);
                if (isWatchEvent(event)) onEvent(event);
              }
              newline = pending.indexOf('\n');
            }
          });
          res.on('error', (error) => reject(new KubeApiError(`watch ${path}: ${error.message}`, 0, undefined, undefined)));
          res.on('end', () => {
            signal.removeEventListener('abort', abort);
            resolve();
          });
        });
        req.end();
      });
    },
  };
}

/** `/api/v1/secrets`, `/apis/g/v/namespaces/ns/leases`: an odd number of segments after the group version. */
function isCollection(path: string): boolean {
  return path.replace(/^\/api\/v1|^\/apis\/[^/]+\/[^/]+/, '').split('/').filter(Boolean).length % 2 === 1;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isWatchEvent(value: unknown): value is WatchEvent {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** The Status `message` is the server's own text about the request; it never echoes request bodies. */
export function apiError(action: string, status: number, body: unknown, retryAfter: string | undefined): KubeApiError {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const message = typeof record['message'] === 'string' ? record['message'] : '';
  const reason = typeof record['reason'] === 'string' ? record['reason'] : undefined;
  const seconds = retryAfter !== undefined && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
  return new KubeApiError(`${action}: HTTP ${status}${message ? `: ${message}` : ''}`, status, reason, seconds);
}
