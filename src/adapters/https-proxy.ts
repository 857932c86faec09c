// The operator's HTTPS proxy for imps-krm's own https requests: the AWS SDK clients (which read no proxy variable
// themselves) and the ACR token service. The Azure and Google SDKs apply the same variables on their own.
//
// Semantics are Go's (golang.org/x/net/http/httpproxy, `ProxyFromEnvironment`, read, not copied), which every other
// component of a Kubernetes node follows: HTTPS_PROXY (or https_proxy) for https URLs; NO_PROXY (or no_proxy) lists
// exceptions: `*`, IP addresses, CIDR ranges, and domain names (`example.com` matches it and its subdomains,
// `.example.com` and `*.example.com` only subdomains), each optionally with `:port`; loopback addresses and
// `localhost` are never proxied. Plain http URLs are never proxied here: every real token endpoint is https, and the
// link-local metadata endpoints (IMDS, the EKS Pod Identity agent, the GKE metadata server) must never go through a
// proxy.
import type { Agent, AgentConnectOpts } from 'agent-base';
import type { ClientRequest } from 'node:http';
import { BlockList, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { HttpsProxyAgent } from 'https-proxy-agent';

export type ProxyEnv = Readonly<Record<string, string | undefined>>;

interface NoProxy {
  readonly all: boolean;
  readonly ips: BlockList;
  /** `.example.com` (subdomains) with `matchHost` when `example.com` itself also matches; port 0: any. */
  readonly domains: ReadonlyArray<{ readonly suffix: string; readonly matchHost: boolean; readonly port: number }>;
  readonly ipPorts: ReadonlyArray<{ readonly ip: string; readonly port: number }>;
}

/** Only the proxy variables of an environment. */
export function proxyEnvOf(env: ProxyEnv): ProxyEnv {
  return Object.fromEntries(['HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'].map((name) => [name, env[name]]));
}

/** The proxy URL for https requests, or undefined: none set (or not an http(s) URL, which no client could use). */
export function httpsProxyOf(env: ProxyEnv): URL | undefined {
  const value = (env['HTTPS_PROXY'] || env['https_proxy'])?.trim();
  if (!value) return undefined;
  try {
    // Go accepts a bare host:port and means http://host:port.
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

export function noProxyOf(env: ProxyEnv): NoProxy {
  const ips = new BlockList();
  const domains: Array<NoProxy['domains'][number]> = [];
  const ipPorts: Array<NoProxy['ipPorts'][number]> = [];
  let all = false;
  for (const raw of (env['NO_PROXY'] ?? env['no_proxy'] ?? '').split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') {
      all = true;
      continue;
    }
    const cidr = /^([^/]+)\/(\d{1,3})$/.exec(entry);
    if (cidr && isIP(cidr[1]!)) {
      const family = isIP(cidr[1]!) === 4 ? 'ipv4' : 'ipv6';
      const prefix = Number(cidr[2]);
      if (prefix <= (family === 'ipv4' ? 32 : 128)) ips.addSubnet(cidr[1]!, prefix, family);
      continue;
    }
    const { host, port } = splitHostPort(entry);
    if (isIP(host)) {
      if (port === 0) ips.addAddress(host, isIP(host) === 4 ? 'ipv4' : 'ipv6');
      else ipPorts.push({ ip: host, port });
      continue;
    }
    const name = host.startsWith('*.') ? host.slice(1) : host;
    if (name === '' || name === '.') continue;
    domains.push(name.startsWith('.') ? { suffix: name, matchHost: false, port } : { suffix: `.${name}`, matchHost: true, port });
  }
  return { all, ips, domains, ipPorts };
}

/** Whether a request to host:port goes through the proxy (Go's `useProxy`). */
export function useProxy(noProxy: NoProxy, host: string, port: number): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return false;
  const family = isIP(name);
  if (family !== 0) {
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (LOOPBACK.check(name, type)) return false;
    if (noProxy.all) return false;
    if (noProxy.ips.check(name, type)) return false;
    return !noProxy.ipPorts.some((entry) => entry.ip === name && entry.port === port);
  }
  if (noProxy.all) return false;
  return !noProxy.domains.some(
    (rule) => (rule.port === 0 || rule.port === port) && (name.endsWith(rule.suffix) || (rule.matchHost && name === rule.suffix.slice(1))),
  );
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

function splitHostPort(entry: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2] ?? 0) };
  const colon = entry.lastIndexOf(':');
  // More than one colon without brackets: an IPv6 address, no port.
  if (colon > 0 && entry.indexOf(':') === colon && /^\d+$/.test(entry.slice(colon + 1))) {
    return { host: entry.slice(0, colon), port: Number(entry.slice(colon + 1)) };
  }
  return { host: entry, port: 0 };
}

/** Tunnels https requests through the proxy with CONNECT, except those NO_PROXY (or loopback) exempts. */
class EnvHttpsProxyAgent extends HttpsProxyAgent<string> {
  constructor(
    proxy: URL,
    private readonly noProxy: NoProxy,
  ) {
    super(proxy);
  }

  override connect(req: ClientRequest, opts: AgentConnectOpts): Promise<Socket> {
    const host = opts.host ?? 'localhost';
    const port = opts.port ?? 443;
    if (!useProxy(this.noProxy, host, port)) {
      const servername = opts.secureEndpoint && isIP(host) === 0 ? { servername: host } : {};
      return Promise.resolve(tlsConnect({ ...(opts as object), host, port, ...servername }));
    }
    return super.connect(req, opts);
  }
}

/**
 * An agent for imps-krm's own https requests under the operator's HTTPS_PROXY and NO_PROXY, or undefined when no
 * proxy is set (the clients keep their default agents). A new one per client: an AWS SDK client destroys its agent
 * (and the sockets in flight on it) when it is destroyed, and token requests run side by side. A CONNECT tunnel per
 * request. The proxy URL may hold the operator's proxy credentials: it is never put in a message.
 */
export function httpsAgentFromEnv(env: ProxyEnv): Agent | undefined {
  const proxy = httpsProxyOf(env);
  return proxy ? new EnvHttpsProxyAgent(proxy, noProxyOf(env)) : undefined;
}
