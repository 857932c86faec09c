import type https from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';

const CONNECT_TIMEOUT_MS = 30_000;

/**
 * An https agent that reaches the server through an HTTP(S) proxy with CONNECT, for a kubeconfig cluster's
 * `proxy-url` (client-go also accepts socks5 proxies; the kubeconfig loader refuses those with a clear message).
 * TLS to the API server runs inside the tunnel, so the proxy sees neither credentials nor data. The network modules
 * are imported here, on first use (see kube-access.ts).
 */
export async function tunnelAgent(proxy: URL, options: https.AgentOptions): Promise<https.Agent> {
  const [{ default: https }, { default: net }, { default: tls }] = await Promise.all([import('node:https'), import('node:net'), import('node:tls')]);
  return new (tunnelAgentClass(https, net, tls))(proxy, options);
}

function tunnelAgentClass(https: typeof import('node:https'), net: typeof import('node:net'), tls: typeof import('node:tls')) {
  return class TunnelAgent extends https.Agent {
    constructor(
      private readonly proxy: URL,
      options: https.AgentOptions,
    ) {
      super(options);
    }

    override createConnection(options: https.RequestOptions, callback?: (error: Error | null, stream: Duplex) => void): Duplex | null | undefined {
      const done = callback ?? (() => undefined);
      const target = `${options.host ?? 'localhost'}:${options.port ?? 443}`;
      const port = Number(this.proxy.port || (this.proxy.protocol === 'https:' ? 443 : 80));
      const socket: net.Socket =
        this.proxy.protocol === 'https:'
          ? tls.connect({ host: this.proxy.hostname, port, servername: this.proxy.hostname })
          : net.connect({ host: this.proxy.hostname, port });
      const auth = this.proxy.username
        ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(this.proxy.username)}:${decodeURIComponent(this.proxy.password)}`).toString('base64')}\r\n`
        : '';
      let answer = Buffer.alloc(0);
      let settled = false;
      const failed = (message: string): void => {
        socket.destroy();
        if (settled) return;
        settled = true;
        done(new Error(`proxy ${this.proxy.host}: ${message}`), socket);
      };
      socket.setTimeout(CONNECT_TIMEOUT_MS, () => failed('no answer to CONNECT'));
      socket.once('error', (error: NodeJS.ErrnoException) => failed(error.code ?? error.message));
      socket.once(this.proxy.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`);
      });
      const onData = (chunk: Buffer): void => {
        answer = Buffer.concat([answer, chunk]);
        const end = answer.indexOf('\r\n\r\n');
        if (end < 0) {
          if (answer.length > 16 * 1024) failed('CONNECT answer too long');
          return;
        }
        socket.off('data', onData);
        socket.setTimeout(0);
        socket.removeAllListeners('error');
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer.toString('latin1'))?.[1];
        if (status !== '200') {
          failed(`CONNECT answered ${status ? `HTTP ${status}` : 'with no status line'}`);
          return;
        }
        const rest = answer.subarray(end + 4);
        if (rest.length > 0) socket.unshift(rest);
        settled = true;
        // `host` stays: with no servername (an IP address) tls checks the certificate against it.
        done(null, tls.connect({ ...(options as tls.ConnectionOptions), socket }));
      };
      socket.on('data', onData);
      return undefined;
    }
  };
}
