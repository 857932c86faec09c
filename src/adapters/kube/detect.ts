import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface LiveTarget {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
}

/**
 * Whether a cluster is configured, answered without loading the Kubernetes client: an explicit kubeconfig, an
 * existing file in KUBECONFIG or ~/.kube/config, or an in-cluster service account.
 */
export function liveClusterConfigured(target: LiveTarget, env: NodeJS.ProcessEnv = process.env): boolean {
  if (target.kubeconfig) return true;
  const fromEnv = (env['KUBECONFIG'] ?? '').split(delimiter).filter(Boolean);
  if (fromEnv.length > 0) return fromEnv.some((path) => existsSync(path));
  if (existsSync(join(env['HOME'] ?? homedir(), '.kube', 'config'))) return true;
  return Boolean(env['KUBERNETES_SERVICE_HOST']) && existsSync(SERVICE_ACCOUNT_TOKEN);
}
