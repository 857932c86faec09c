import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** Where each endpoint listens (`[host]:port`); undefined: that endpoint is off. Defaults: faces/kit/process-flags.ts. */
export interface OpsAddresses {
  readonly metrics?: string | undefined;
  readonly health?: string | undefined;
  /** `/explain` (the controller only): loopback by default, as it names namespaces, Pods and rules. */
  readonly explain?: string | undefined;
}

export interface OpsServer {
  /** Where `/metrics` listens, when on. */
  readonly metrics: AddressInfo | undefined;
  /** Where `/healthz`, `/livez` and `/readyz` listen, when on. */
  readonly health: AddressInfo | undefined;
  /** Where `/explain` listens, when on. */
  readonly explain: AddressInfo | undefined;
  close(): Promise<void>;
}

export interface OpsReply {
  readonly status: number;
  readonly body: string;
  readonly type?: string;
}

/** Answers `GET /explain?<query>`; computed on request from what the caller already holds (no cache of its own). */
export type ExplainHandler = (query: URLSearchParams) => Promise<OpsReply>;

type Endpoint = keyof OpsAddresses;

/**
 * `/healthz` and `/livez` (the process serves requests), `/readyz` (this replica can do its job: caches synced when
 * leading, or waiting as a standby), Prometheus `/metrics` and, for the controller, `/explain`. Endpoints given the
 * same fixed port share one server; every other endpoint has its own, and each server answers 404 for the paths of
 * the others. Nothing here reads a credential.
 */
export async function startOpsServer(addresses: OpsAddresses, registry: Registry, ready: () => boolean, explain?: ExplainHandler): Promise<OpsServer> {
  const health: Handler = (path, _query, res) => {
    if (path === '/healthz' || path === '/livez') reply(res, 200, 'ok\n');
    else if (path === '/readyz') (ready() ? reply(res, 200, 'ok\n') : reply(res, 503, 'caches not synced\n'));
    else return false;
    return true;
  };
  const metrics: Handler = (path, _query, res) => {
    if (path !== '/metrics') return false;
    registry.metrics().then(
      (text) => reply(res, 200, text, registry.contentType),
      () => reply(res, 500, 'metrics unavailable\n'),
    );
    return true;
  };
  const explainEndpoint: Handler = (path, query, res) => {
    if (path !== '/explain' || !explain) return false;
    explain(query).then(
      (answer) => reply(res, answer.status, answer.body, answer.type),
      () => reply(res, 500, 'explanation unavailable\n'),
    );
    return true;
  };
  const handlers: Record<Endpoint, Handler> = { metrics, health, explain: explainEndpoint };
  const wanted = (['metrics', 'health', 'explain'] as const).filter((endpoint) => addresses[endpoint] !== undefined && (endpoint !== 'explain' || explain));
  // Same fixed address, same server; port 0 (tests) always gets a server of its own.
  const groups = new Map<string, Endpoint[]>();
  for (const endpoint of wanted) {
    const address = addresses[endpoint]!;
    const key = parseAddress(address).port === 0 ? `${endpoint}\0${address}` : address;
    groups.set(key, [...(groups.get(key) ?? []), endpoint]);
  }
  const servers: http.Server[] = [];
  const bound: Partial<Record<Endpoint, AddressInfo>> = {};
  try {
    for (const endpoints of groups.values()) {
      const server = await listen(addresses[endpoints[0]!]!, endpoints.map((endpoint) => handlers[endpoint]));
      servers.push(server);
      for (const endpoint of endpoints) bound[endpoint] = server.address() as AddressInfo;
    }
    return { metrics: bound.metrics, health: bound.health, explain: bound.explain, close: () => Promise.all(servers.map(close)).then(() => undefined) };
  } catch (error) {
    await Promise.all(servers.map(close));
    throw error;
  }
}

type Handler = (path: string, query: URLSearchParams, res: http.ServerResponse) => boolean;

async function listen(address: string, handlers: readonly Handler[]): Promise<http.Server> {
  const { host, port } = parseAddress(address);
  const server = http.createServer((req, res) => {
    const target = req.url ?? '/';
    const mark = target.indexOf('?');
    const path = mark < 0 ? target : target.slice(0, mark);
    const query = new URLSearchParams(mark < 0 ? '' : target.slice(mark + 1));
    if (req.method !== 'GET' && req.method !== 'HEAD') reply(res, 405, 'method not allowed\n');
    else if (!handlers.some((handle) => handle(path, query, res))) reply(res, 404, 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

function close(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function reply(res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * `:8080`, `0.0.0.0:8080`, `[::1]:8080`, `localhost:8080`, `127.0.0.1:0` (tests): `[host]:port` as Go's
 * net.SplitHostPort reads a controller-runtime bind address. The port is required; an empty host means every address.
 */
export function parseAddress(address: string): { host: string | undefined; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)?):(\d{1,5})$/.exec(address);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new Error(`invalid address ${JSON.stringify(address)}: expected [host]:port with a port from 0 to 65535`);
  return { host: match[1] ?? match[2], port };
}
