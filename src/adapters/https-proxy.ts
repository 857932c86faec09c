// The operator's HTTPS proxy for imps-krm's own https requests: the AWS SDK clients (which read no proxy variable
// themselves) and the ACR token service. The Azure and Google SDKs apply the same variables on their own; the
// Kubernetes client tunnels itself (kube/proxy-tunnel.ts). What the variables mean is proxy-env.ts's. Plain http URLs
// are never proxied here: every real token endpoint is https, and the link-local metadata endpoints (IMDS, the EKS Pod
// Identity agent, the GKE metadata server) must never go through a proxy.
import type { Agent, AgentConnectOpts } from 'agent-base';
import type { ClientRequest } from 'node:http';
import net, { isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { httpsProxyOf, noProxyOf, useProxy, type NoProxy, type ProxyEnv } from './proxy-env.js';

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
  return proxy ? new EnvHttpsProxyAgent(proxy, noProxyOf(env, net)) : undefined;
}
