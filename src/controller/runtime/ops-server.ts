import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** Where each endpoint listens (`[host]:port`); undefined: that endpoint is off. Defaults: faces/kit/process-flags.ts. */
export interface OpsAddresses {
  readonly metrics?: string | undefined;
  readonly health?: string | undefined;
}

export interface OpsServer {
  /** Where `/metrics` listens, when on. */
  readonly metrics: AddressInfo | undefined;
  /** Where `/healthz`, `/livez` and `/readyz` listen, when on. */
  readonly health: AddressInfo | undefined;
  close(): Promise<void>;
}

/**
 * `/healthz` and `/livez` (the process serves requests), `/readyz` (this replica can do its job: caches synced when
 * leading, or waiting as a standby) and Prometheus `/metrics`. One server when both addresses are the same fixed
 * port, two otherwise; each answers 404 for the other's paths. Nothing here reads a credential.
 */
export async function startOpsServer(addresses: OpsAddresses, registry: Registry, ready: () => boolean): Promise<OpsServer> {
  const health = (path: string, res: http.ServerResponse): boolean => {
    if (path === '/healthz' || path === '/livez') reply(res, 200, 'ok\n');
    else if (path === '/readyz') (ready() ? reply(res, 200, 'ok\n') : reply(res, 503, 'caches not synced\n'));
    else return false;
    return true;
  };
  const metrics = (path: string, res: http.ServerResponse): boolean => {
    if (path !== '/metrics') return false;
    registry.metrics().then(
      (text) => reply(res, 200, text, registry.contentType),
      () => reply(res, 500, 'metrics unavailable\n'),
    );
    return true;
  };
  const shared = addresses.metrics !== undefined && addresses.metrics === addresses.health && parseAddress(addresses.metrics).port !== 0;
  const servers: http.Server[] = [];
  try {
    const metricsServer = addresses.metrics === undefined ? undefined : await listen(addresses.metrics, shared ? [health, metrics] : [metrics]);
    if (metricsServer) servers.push(metricsServer);
    const healthServer = shared ? metricsServer : addresses.health === undefined ? undefined : await listen(addresses.health, [health]);
    if (healthServer && !shared) servers.push(healthServer);
    return {
      metrics: metricsServer?.address() as AddressInfo | undefined,
      health: healthServer?.address() as AddressInfo | undefined,
      close: () => Promise.all(servers.map(close)).then(() => undefined),
    };
  } catch (error) {
    await Promise.all(servers.map(close));
    throw error;
  }
}

type Handler = (path: string, res: http.ServerResponse) => boolean;

async function listen(address: string, handlers: readonly Handler[]): Promise<http.Server> {
  const { host, port } = parseAddress(address);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (!handlers.some((handle) => handle(path, res))) reply(res, 404, 'not found\n');
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
