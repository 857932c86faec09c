import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import type https from 'node:https';
import { ReadBudget } from '../../io/read-budget.js';
import { parseYamlFile } from '../../io/yaml-parse.js';
import type { LiveTarget } from './detect.js';

/** Where the API server is and how to authenticate: all kube-http needs. */
export interface KubeAccess {
  readonly server: string;
  /** Adds TLS settings and credentials to a request's options. */
  apply(options: https.RequestOptions): Promise<void>;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Projected service account tokens rotate (about hourly): re-read the file this often. */
const TOKEN_REREAD_MS = 60_000;

/**
 * The common cases without client-node, whose import alone costs ~70 MB of RSS in a long-running process: the
 * in-cluster service account, and kubeconfig users with a token, token file or client certificate. Anything else
 * (exec plugins, auth providers, several KUBECONFIG files) returns undefined: the caller falls back to client-node.
 */
export function loadKubeAccess(target: LiveTarget, env: NodeJS.ProcessEnv = process.env, prefix = ''): KubeAccess | undefined {
  const files = target.kubeconfig ? [target.kubeconfig] : (env['KUBECONFIG'] ?? '').split(delimiter).filter(Boolean);
  if (files.length > 1) return undefined;
  const file = files[0] ?? join(env['HOME'] ?? homedir(), '.kube', 'config');
  if (existsSync(file)) return fromKubeconfig(file, target.context);
  if (files.length === 1 || target.context) return undefined; // let client-node give its own error
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port || !existsSync(`${prefix}${SERVICE_ACCOUNT_DIR}/token`)) return undefined;
  const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https';
  const ca = readFileSync(`${prefix}${SERVICE_ACCOUNT_DIR}/ca.crt`);
  const token = rereading(`${prefix}${SERVICE_ACCOUNT_DIR}/token`);
  return {
    server: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    apply: async (options) => {
      options.ca = ca;
      options.headers = { ...options.headers, Authorization: `Bearer ${token()}` };
    },
  };
}

function fromKubeconfig(file: string, context: string | undefined): KubeAccess | undefined {
  const parsed = parseYamlFile(readFileSync(file, 'utf8'), file, new ReadBudget());
  if ('error' in parsed) throw new Error(`kubeconfig ${parsed.error}`);
  const config = record(parsed.value);
  const contextName = context ?? (typeof config['current-context'] === 'string' ? config['current-context'] : undefined);
  const named = (list: unknown, name: unknown, field: string): Record<string, unknown> | undefined => {
    const entry = (Array.isArray(list) ? list.map(record) : []).find((item) => item['name'] === name);
    return entry ? record(entry[field]) : undefined;
  };
  const ctx = named(config['contexts'], contextName, 'context');
  const cluster = ctx && named(config['clusters'], ctx['cluster'], 'cluster');
  const user = (ctx && named(config['users'], ctx['user'], 'user')) ?? {};
  if (!cluster || typeof cluster['server'] !== 'string') return undefined;
  const known = new Set(['token', 'tokenFile', 'client-certificate', 'client-certificate-data', 'client-key', 'client-key-data']);
  if (Object.keys(user).some((key) => !known.has(key))) return undefined; // exec, auth-provider, basic auth
  const base = dirname(file);
  const bytes = (dataKey: string, pathKey: string, from: Record<string, unknown>): Buffer | undefined => {
    if (typeof from[dataKey] === 'string') return Buffer.from(from[dataKey], 'base64');
    if (typeof from[pathKey] === 'string') return readFileSync(isAbsolute(from[pathKey]) ? from[pathKey] : join(base, from[pathKey]));
    return undefined;
  };
  const ca = bytes('certificate-authority-data', 'certificate-authority', cluster);
  const cert = bytes('client-certificate-data', 'client-certificate', user);
  const key = bytes('client-key-data', 'client-key', user);
  const insecure = cluster['insecure-skip-tls-verify'] === true;
  const tokenFile = typeof user['tokenFile'] === 'string' ? rereading(isAbsolute(user['tokenFile']) ? user['tokenFile'] : join(base, user['tokenFile'])) : undefined;
  const token = typeof user['token'] === 'string' ? user['token'] : undefined;
  return {
    server: cluster['server'],
    apply: async (options) => {
      if (ca) options.ca = ca;
      if (cert) options.cert = cert;
      if (key) options.key = key;
      if (insecure) options.rejectUnauthorized = false;
      const bearer = token ?? tokenFile?.();
      if (bearer) options.headers = { ...options.headers, Authorization: `Bearer ${bearer}` };
    },
  };
}

function rereading(path: string): () => string {
  let value = '';
  let readAt = 0;
  return () => {
    if (Date.now() - readAt > TOKEN_REREAD_MS) {
      value = readFileSync(path, 'utf8').trim();
      readAt = Date.now();
    }
    return value;
  };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
