import { existsSync, readFileSync } from 'node:fs';
import type http from 'node:http';
import type https from 'node:https';
import { httpsProxyOf, noProxyOf, useProxy } from '../proxy-env.js';
import type { LiveTarget } from './detect.js';
import { ExecCredentialSource, type ExecCredential } from './exec-credential.js';
import { loadKubeconfig, type ClusterSettings, type UserSettings } from './kubeconfig.js';
import { fail, KubeconfigError, kubeconfigFiles } from './kubeconfig-files.js';
import { tunnelAgent } from './proxy-tunnel.js';

/** How to reach the API server for the next request: the agent holds TLS and proxy settings, headers the credentials. */
export interface Connection {
  readonly agent: http.Agent;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  /** After a 401: drops an exec plugin's credential. True when a retry would run the plugin again. */
  unauthorized(): boolean;
}

/** Where the API server is and how to authenticate: all kube-http needs. */
export interface KubeAccess {
  /** The server URL without a trailing slash, e.g. `https://10.0.0.1:6443`. */
  readonly server: string;
  connection(): Promise<Connection>;
}

export interface AccessOptions {
  /** Prefixed to the in-cluster service account folder (tests). */
  readonly prefix?: string;
  readonly now?: () => number;
  readonly execTimeoutMs?: number;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Token files rotate (projected service account tokens about hourly): re-read this often, as client-go does. */
const TOKEN_REREAD_MS = 60_000;

/**
 * The cluster the operator chose, the way kubectl finds it: `--kubeconfig`, else KUBECONFIG (merged), else
 * ~/.kube/config; the context from `--context`, IMPS_KRM_CONTEXT or current-context; with no kubeconfig file at all,
 * the in-cluster service account. Throws a KubeconfigError (one line, file and field) when none is usable.
 */
export function loadKubeAccess(target: LiveTarget, env: NodeJS.ProcessEnv = process.env, options: AccessOptions = {}): KubeAccess {
  const settings = loadKubeconfig(target, env);
  if (settings) return kubeconfigAccess(settings.files[0] ?? '', settings.cluster, settings.user, env, options);
  const inCluster = inClusterAccess(env, options);
  if (inCluster) return inCluster;
  const looked = kubeconfigFiles(target.kubeconfig, env).files.join(', ');
  throw new KubeconfigError(`no kubeconfig found (looked for ${looked}) and no in-cluster service account (KUBERNETES_SERVICE_HOST unset or no token)`);
}

function kubeconfigAccess(file: string, cluster: ClusterSettings, user: UserSettings, env: NodeJS.ProcessEnv, options: AccessOptions): KubeAccess {
  if (cluster.insecure && cluster.ca) fail(file, 'cluster', 'certificate-authority with insecure-skip-tls-verify: choose one (kubectl refuses both too)');
  const now = options.now ?? Date.now;
  const tokenFile = user.tokenFile === undefined ? undefined : rereading(user.tokenFile, now);
  const staticHeaders: Record<string, string | readonly string[]> = { ...user.impersonate };
  if (user.basic) staticHeaders['Authorization'] = `Basic ${Buffer.from(`${user.basic.username}:${user.basic.password}`).toString('base64')}`;
  const hasStaticAuth = user.token !== undefined || tokenFile !== undefined || user.basic !== undefined || user.cert !== undefined;
  // As client-go: a plugin runs only when the user has no token, basic auth or client certificate of its own.
  const exec = user.exec && !hasStaticAuth ? new ExecCredentialSource(user.exec, cluster, { env, now, ...(options.execTimeoutMs ? { timeoutMs: options.execTimeoutMs } : {}) }) : undefined;
  const agents = new AgentCache(cluster, user, env);
  return {
    server: cluster.server.href.replace(/\/$/, ''),
    async connection() {
      const headers = { ...staticHeaders };
      const bearer = tokenFile?.() ?? user.token;
      if (bearer !== undefined) headers['Authorization'] = `Bearer ${bearer}`;
      if (!exec) return { agent: await agents.get(undefined), headers, unauthorized: () => false };
      const credential = await exec.get();
      if (credential.token !== undefined) headers['Authorization'] = `Bearer ${credential.token}`;
      return {
        agent: await agents.get(credential),
        headers,
        unauthorized: () => {
          exec.invalidate(credential);
          return true;
        },
      };
    },
  };
}

/**
 * One keep-alive agent per client certificate: an exec plugin may rotate it, and the old connections must go.
 * node:http(s) are imported on first use: this client is in the CLI's main bundle (so a live render loads no second
 * copy of the YAML parser), and input renders must not pay for the network modules at start-up.
 */
class AgentCache {
  #agent: http.Agent | undefined;
  #for: ExecCredential | undefined;

  constructor(
    private readonly cluster: ClusterSettings,
    private readonly user: UserSettings,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async get(credential: ExecCredential | undefined): Promise<http.Agent> {
    const certFrom = credential?.cert ? credential : undefined;
    if (this.#agent && this.#for?.cert === certFrom?.cert) return this.#agent;
    const agent = await this.#create(certFrom?.cert ?? this.user.cert, certFrom?.key ?? this.user.key);
    if (this.#agent && this.#for?.cert === certFrom?.cert) {
      agent.destroy(); // a concurrent caller made one meanwhile
      return this.#agent;
    }
    this.#agent?.destroy();
    this.#for = certFrom;
    this.#agent = agent;
    return agent;
  }

  async #create(cert: Buffer | undefined, key: Buffer | undefined): Promise<http.Agent> {
    const { cluster } = this;
    if (cluster.server.protocol === 'http:') return new (await import('node:http')).default.Agent({ keepAlive: true });
    const tls: https.AgentOptions = {
      keepAlive: true,
      ...(cluster.ca ? { ca: cluster.ca } : {}),
      ...(cert && key ? { cert, key } : {}),
      ...(cluster.insecure ? { rejectUnauthorized: false } : {}),
      ...(cluster.tlsServerName ? { servername: cluster.tlsServerName } : {}),
    };
    const proxy = cluster.proxyUrl ?? (await environmentProxy(cluster.server, this.env));
    return proxy ? tunnelAgent(proxy, tls) : new (await import('node:https')).default.Agent(tls);
  }
}

/** The in-cluster service account (client-go rest.InClusterConfig), its token re-read as the kubelet rotates it. */
function inClusterAccess(env: NodeJS.ProcessEnv, options: AccessOptions): KubeAccess | undefined {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  const dir = `${options.prefix ?? ''}${SERVICE_ACCOUNT_DIR}`;
  if (!host || !port || !existsSync(`${dir}/token`)) return undefined;
  const ca = existsSync(`${dir}/ca.crt`) ? readFileSync(`${dir}/ca.crt`) : undefined;
  const token = rereading(`${dir}/token`, options.now ?? Date.now);
  let agent: Promise<https.Agent> | undefined;
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    server,
    connection: async () => {
      agent ??= (async () => {
        const tls: https.AgentOptions = { keepAlive: true, ...(ca ? { ca } : {}) };
        const proxy = await environmentProxy(new URL(server), env);
        return proxy ? tunnelAgent(proxy, tls) : new (await import('node:https')).default.Agent(tls);
      })();
      return { agent: await agent, headers: { Authorization: `Bearer ${token()}` }, unauthorized: () => false };
    },
  };
}

/**
 * The operator's HTTPS_PROXY for an https API server that has no `proxy-url`, unless NO_PROXY (or loopback) exempts
 * it: client-go's default transport (http.ProxyFromEnvironment), in a kubeconfig and in-cluster alike, so a proxy
 * set for the cloud endpoints needs the API server in NO_PROXY, as it does for kubectl. node:net is loaded only when a proxy is set.
 */
async function environmentProxy(server: URL, env: NodeJS.ProcessEnv): Promise<URL | undefined> {
  const proxy = server.protocol === 'https:' ? httpsProxyOf(env) : undefined;
  if (!proxy) return undefined;
  const net = await import('node:net');
  return useProxy(noProxyOf(env, net), server.hostname, Number(server.port || 443)) ? proxy : undefined;
}

/** A token file's content, re-read at most once a minute; a failed re-read keeps the last good token (client-go). */
function rereading(path: string, now: () => number): () => string {
  let value = readFileSync(path, 'utf8').trim();
  let readAt = now();
  return () => {
    if (now() - readAt >= TOKEN_REREAD_MS) {
      try {
        value = readFileSync(path, 'utf8').trim();
      } catch {
        // keep the last token: the kubelet replaces the file atomically, a failure here is transient
      }
      readAt = now();
    }
    return value;
  };
}
