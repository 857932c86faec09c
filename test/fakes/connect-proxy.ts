/**
 * A loopback HTTP proxy for HTTPS_PROXY, in front of the cloud fakes, that records every tunnel:
 *
 *   CONNECT host:port     tunnels to 127.0.0.1 / localhost targets as they are, and to named hosts through `routes`
 *                         (`oauth2.googleapis.com` -> the Google OAuth fake, `*.azurecr.io` -> the Azure https fake,
 *                         `*.amazonaws.com` -> the AWS https listener); any other target gets 403, so a client that
 *                         asks for a host no fake serves fails instead of leaving the machine.
 *   GET http://host/...   absolute-form requests (what an http request through a proxy looks like: the Azure SDK sends
 *                         IMDS there when HTTPS_PROXY is set) are forwarded to loopback targets only.
 *
 * A name routed here never goes through DNS: this is how a proxy serves a client that has no resolver for the
 * cloud's hosts, and how tests reach the fakes under the real host names.
 */
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';

export interface ProxyTunnel {
  readonly kind: 'connect' | 'forward';
  /** `host:port` as the client asked for it. */
  readonly target: string;
}

export interface ProxyRoute {
  /** An exact host name, or `*.suffix`. */
  readonly host: string;
  /** The loopback port that serves it. */
  readonly port: number;
}

export interface FakeConnectProxy {
  /** `http://127.0.0.1:PORT`, for HTTPS_PROXY. */
  readonly url: string;
  readonly tunnels: ProxyTunnel[];
  /** Targets refused (no route): a client went somewhere no fake serves. */
  readonly refused: string[];
  setRoutes(routes: readonly ProxyRoute[]): void;
  reset(): void;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function splitTarget(target: string): { host: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(target);
  return match ? { host: match[1]!.toLowerCase(), port: Number(match[2]) } : undefined;
}

export async function startConnectProxy(initialRoutes: readonly ProxyRoute[] = []): Promise<FakeConnectProxy> {
  const tunnels: ProxyTunnel[] = [];
  const refused: string[] = [];
  let routes = [...initialRoutes];
  const sockets = new Set<Socket>();

  /** Where a target is served: a loopback port, or undefined (refused). */
  const destination = (target: string): number | undefined => {
    const parsed = splitTarget(target);
    if (!parsed) return undefined;
    if (LOOPBACK.has(parsed.host)) return parsed.port;
    const route = routes.find((r) => (r.host.startsWith('*.') ? parsed.host.endsWith(r.host.slice(1)) : parsed.host === r.host));
    return route?.port;
  };

  const server = http.createServer((req, res) => {
    // Absolute-form: GET http://127.0.0.1:PORT/path
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute-form request expected');
      return;
    }
    const target = `${url.hostname}:${url.port || 80}`;
    const port = LOOPBACK.has(url.hostname) ? Number(url.port || 80) : undefined;
    if (port === undefined) {
      refused.push(target);
      res.writeHead(403).end('fake proxy: no route');
      return;
    }
    tunnels.push({ kind: 'forward', target });
    const upstream = http.request({ host: '127.0.0.1', port, method: req.method, path: `${url.pathname}${url.search}`, headers: req.headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: http.IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    const port = destination(target);
    if (port === undefined) {
      refused.push(target);
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    tunnels.push({ kind: 'connect', target });
    const upstream = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    refused,
    setRoutes(next) {
      routes = [...next];
    },
    reset() {
      tunnels.length = 0;
      refused.length = 0;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
