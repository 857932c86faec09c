// Kubeconfig files pointing at the fake server.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import type { KubeconfigOptions } from './types.js';

/** Writes `<dir>/kubeconfig` (or `kubeconfig-<context>` for other context names) and returns its path. */
export function writeKubeconfigFile(dir: string, url: string, caCertPem: string | undefined, opts: KubeconfigOptions = {}): string {
  const name = opts.contextName ?? 'fake';
  const cluster: Record<string, unknown> = { server: url };
  if (caCertPem) cluster['certificate-authority-data'] = Buffer.from(caCertPem).toString('base64');
  else cluster['insecure-skip-tls-verify'] = true; // client-node refuses http:// servers without it
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name, user: { token: opts.token ?? 'fake-token' } }],
    contexts: [{ name, context: { cluster: name, user: name, ...(opts.namespace ? { namespace: opts.namespace } : {}) } }],
    'current-context': name,
    preferences: {},
  };
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name === 'fake' ? 'kubeconfig' : `kubeconfig-${name}`);
  writeFileSync(path, YAML.stringify(doc), { mode: 0o600 });
  return path;
}
