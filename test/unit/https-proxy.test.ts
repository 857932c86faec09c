// Which of imps-krm's own https requests go through the operator's HTTPS_PROXY (src/adapters/https-proxy.ts): Go's
// ProxyFromEnvironment rules, which the rest of a Kubernetes node follows.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { httpsAgentFromEnv } from '../../src/adapters/https-proxy.js';
import { httpsProxyOf, noProxyOf, useProxy } from '../../src/adapters/proxy-env.js';

const proxied = (noProxy: string | undefined, host: string, port = 443): boolean => useProxy(noProxyOf({ NO_PROXY: noProxy }, net), host, port);

describe('HTTPS_PROXY and NO_PROXY', () => {
  it('reads HTTPS_PROXY, then https_proxy; a bare host:port means http://', () => {
    expect(httpsProxyOf({ HTTPS_PROXY: 'http://proxy:3128', https_proxy: 'http://other:1' })?.href).toBe('http://proxy:3128/');
    expect(httpsProxyOf({ https_proxy: 'proxy.corp:8080' })?.href).toBe('http://proxy.corp:8080/');
    expect(httpsProxyOf({})).toBeUndefined();
    expect(httpsProxyOf({ HTTPS_PROXY: 'socks5://proxy:1080' })).toBeUndefined();
    expect(httpsAgentFromEnv({})).toBeUndefined();
    expect(httpsAgentFromEnv({ HTTPS_PROXY: 'http://127.0.0.1:3128' })).toBeDefined();
  });

  it('never proxies loopback or localhost', () => {
    for (const host of ['127.0.0.1', '127.9.9.9', '::1', '[::1]', 'localhost', 'LOCALHOST', 'api.localhost']) expect(proxied(undefined, host), host).toBe(false);
    expect(proxied(undefined, 'api.ecr.eu-west-1.amazonaws.com')).toBe(true);
  });

  it('matches domains with their subdomains, and only subdomains for a leading dot or *.', () => {
    expect(proxied('azurecr.io', 'azurecr.io')).toBe(false);
    expect(proxied('azurecr.io', 'myreg.azurecr.io')).toBe(false);
    expect(proxied('.azurecr.io', 'azurecr.io')).toBe(true);
    expect(proxied('.azurecr.io', 'myreg.azurecr.io')).toBe(false);
    expect(proxied('*.azurecr.io', 'myreg.azurecr.io')).toBe(false);
    expect(proxied('azurecr.io', 'notazurecr.io')).toBe(true);
    expect(proxied(' Example.com , other.org', 'api.example.com')).toBe(false);
  });

  it('matches IP addresses and CIDR ranges, and ports when given', () => {
    expect(proxied('10.0.0.0/8', '10.1.2.3')).toBe(false);
    expect(proxied('10.0.0.0/8', '11.1.2.3')).toBe(true);
    expect(proxied('169.254.169.254', '169.254.169.254')).toBe(false);
    expect(proxied('registry.corp:5000', 'registry.corp', 5000)).toBe(false);
    expect(proxied('registry.corp:5000', 'registry.corp', 443)).toBe(true);
    expect(proxied('192.168.1.1:8443', '192.168.1.1', 8443)).toBe(false);
    expect(proxied('192.168.1.1:8443', '192.168.1.1', 443)).toBe(true);
  });

  it('turns the proxy off for everything with *', () => {
    expect(proxied('*', 'api.ecr.eu-west-1.amazonaws.com')).toBe(false);
    expect(proxied('*', '10.0.0.1')).toBe(false);
  });

  it('reads NO_PROXY, then no_proxy', () => {
    expect(useProxy(noProxyOf({ no_proxy: 'corp' }, net), 'x.corp', 443)).toBe(false);
    expect(useProxy(noProxyOf({ NO_PROXY: 'other', no_proxy: 'corp' }, net), 'x.corp', 443)).toBe(true);
  });
});
