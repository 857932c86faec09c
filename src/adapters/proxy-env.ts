// The operator's proxy settings, read as Go reads them (golang.org/x/net/http/httpproxy, `ProxyFromEnvironment`, read,
// not copied), which every other component of a Kubernetes node follows: HTTPS_PROXY (or https_proxy) for https URLs;
// NO_PROXY (or no_proxy) lists exceptions: `*`, IP addresses, CIDR ranges, and domain names (`example.com` matches it
// and its subdomains, `.example.com` and `*.example.com` only subdomains), each optionally with `:port`; loopback
// addresses and `localhost` are never proxied. Apart from https-proxy.ts (its agent), so that the Kubernetes client
// can decide without loading an agent library. node:net is handed in, not imported: the Kubernetes client is in the
// CLI's main bundle, where a network module is loaded only when a face connects (test/e2e/bundle-imports.test.ts).
import type { BlockList } from 'node:net';

/** What is needed of node:net. */
export type NetModule = Pick<typeof import('node:net'), 'BlockList' | 'isIP'>;

export type ProxyEnv = Readonly<Record<string, string | undefined>>;

export interface NoProxy {
  readonly isIP: NetModule['isIP'];
  readonly loopback: BlockList;
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

export function noProxyOf(env: ProxyEnv, net: NetModule): NoProxy {
  const { BlockList, isIP } = net;
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
  const loopback = new BlockList();
  loopback.addSubnet('127.0.0.0', 8, 'ipv4');
  loopback.addAddress('::1', 'ipv6');
  return { isIP, loopback, all, ips, domains, ipPorts };
}

/** Whether a request to host:port goes through the proxy (Go's `useProxy`). */
export function useProxy(noProxy: NoProxy, host: string, port: number): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return false;
  const family = noProxy.isIP(name);
  if (family !== 0) {
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (noProxy.loopback.check(name, type)) return false;
    if (noProxy.all) return false;
    if (noProxy.ips.check(name, type)) return false;
    return !noProxy.ipPorts.some((entry) => entry.ip === name && entry.port === port);
  }
  if (noProxy.all) return false;
  return !noProxy.domains.some(
    (rule) => (rule.port === 0 || rule.port === port) && (name.endsWith(rule.suffix) || (rule.matchHost && name === rule.suffix.slice(1))),
  );
}

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
