import type http from 'node:http';
import { asRecord, stringOf } from '../../core/records.js';
import type { Connection, KubeAccess } from './kube-access.js';
import { KubeconfigError } from './kubeconfig-files.js';

/**
 * A failed API call, the one error type of every face: HTTP status (0 for network errors, timeouts and a server
 * that breaks the protocol), Status reason and Retry-After. The message is `<action>: <detail>`.
 */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly action: string,
    /** `HTTP 403: <the server's Status message>`, or the network error. */
    readonly detail: string,
    readonly status: number,
    readonly reason: string | undefined,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(`${action}: ${detail}`);
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
 * The REST calls every face makes (live render, controller, refresher), over node:http(s) with the kubeconfig's TLS,
 * proxy and credentials: plain JSON, metadata-only lists and watches, Retry-After, and no client library to load.
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

  async function open(method: string, path: string, options: RequestOptions, payload: string | undefined): Promise<{ req: http.ClientRequest; connection: Connection }> {
    const url = new URL(`${base.pathname.replace(/\/$/, '')}${path}`, base);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    const connection = await access.connection();
    const headers: http.OutgoingHttpHeaders = { ...connection.headers, Accept: options.accept ?? 'application/json' };
    if (payload !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      // Node frames a DELETE body neither with Content-Length nor chunked: without this header the server sees no
      // body (a DELETE would lose its preconditions) and reads the JSON as the next request on the connection.
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    const transport = base.protocol === 'https:' ? (await import('node:https')).default : (await import('node:http')).default;
    return { req: transport.request(url, { method, headers, agent: connection.agent }), connection };
  }

  async function send(method: string, path: string, options: RequestOptions): Promise<{ status: number; text: string; retryAfter: string | undefined; connection: Connection }> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const { req, connection } = await open(method, path, options, payload);
    return new Promise((resolve, reject) => {
      req.setTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => req.destroy(new Error(`timed out after ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const retry = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), retryAfter: typeof retry === 'string' ? retry : undefined, connection });
        });
      });
      req.end(payload);
    });
  }

  return {
    server,
    async request(method, path, options = {}) {
      const verb = method === 'GET' && isCollection(path) ? 'LIST' : method;
      const action = `${method} ${path}`;
      try {
        let result = await send(method, path, options);
        observe(verb, result.status);
        // An exec plugin's credential may have been revoked before its expiry: run the plugin again, once.
        if (result.status === 401 && result.connection.unauthorized()) {
          result = await send(method, path, options);
          observe(verb, result.status);
        }
        const body = parseJson(result.text);
        if (result.status >= 400) throw apiError(action, result.status, body, result.retryAfter);
        // A proxy's HTML page with 200 must not read as an empty answer (an empty list would render nothing).
        if (typeof body === 'string') throw new KubeApiError(action, `HTTP ${result.status} with an answer that is not JSON`, 0, undefined, undefined);
        return body;
      } catch (error) {
        if (error instanceof KubeApiError || error instanceof KubeconfigError) throw error;
        observe(verb, 0);
        throw new KubeApiError(action, networkDetail(error), 0, undefined, undefined);
      }
    },
    async watch(path, options, onEvent, signal) {
      const { req, connection } = await open('GET', path, options, undefined);
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
          reject(new KubeApiError(`watch ${path}`, networkDetail(error), 0, undefined, undefined));
        });
        req.on('response', (res) => {
          const status = res.statusCode ?? 0;
          observe('WATCH', status);
          if (status >= 400) {
            // The reflector retries the watch: with a fresh credential when a plugin's was refused.
            if (status === 401) connection.unauthorized();
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
          res.on('error', (error) => reject(new KubeApiError(`watch ${path}`, networkDetail(error), 0, undefined, undefined)));
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
  const record = asRecord(body);
  const message = stringOf(record['message']) ?? '';
  const reason = stringOf(record['reason']);
  const seconds = retryAfter !== undefined && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
  return new KubeApiError(action, `HTTP ${status}${message ? `: ${message}` : ''}`, status, reason, seconds);
}

/** A network error's message, with its code when the message lacks it. */
function networkDetail(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
