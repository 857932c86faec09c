import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `/healthz` (the process serves requests), `/readyz` (this replica can do its job: caches synced when leading,
 * or waiting as a standby) and Prometheus `/metrics`, on one port. Nothing here reads a credential.
 */
export async function startOpsServer(address: string, registry: Registry, ready: () => boolean): Promise<OpsServer> {
  const { host, port } = parseAddress(address);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/livez') return reply(res, 200, 'ok\n');
    if (path === '/readyz') return ready() ? reply(res, 200, 'ok\n') : reply(res, 503, 'caches not synced\n');
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => reply(res, 200, text, registry.contentType),
        () => reply(res, 500, 'metrics unavailable\n'),
      );
      return;
    }
    reply(res, 404, 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function reply(res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** `:8080`, `0.0.0.0:8080`, `127.0.0.1:0` (tests). */
export function parseAddress(address: string): { host: string | undefined; port: number } {
  const colon = address.lastIndexOf(':');
  const host = colon > 0 ? address.slice(0, colon) : undefined;
  const port = Number(address.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid address ${JSON.stringify(address)}: expected [host]:port`);
  return { host, port };
}
