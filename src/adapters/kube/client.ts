import * as k8s from '@kubernetes/client-node';
import { describeYamlError } from '../../io/yaml-errors.js';
import type { LiveTarget } from './detect.js';

/**
 * A KubeConfig the way kubectl finds one: `--kubeconfig`, else KUBECONFIG / ~/.kube/config, else the in-cluster
 * service account; `--context` picks a context.
 */
export function loadKubeConfig(target: LiveTarget): k8s.KubeConfig {
  const config = new k8s.KubeConfig();
  try {
    if (target.kubeconfig) config.loadFromFile(target.kubeconfig);
    // `true`: the first file that names a current-context wins, as in kubectl (client-node defaults to the last).
    else config.loadFromDefault(undefined, true);
  } catch (error) {
    // js-yaml's message quotes the lines around a mistake: a kubeconfig's token among them.
    if (!(error instanceof Error) || error.name !== 'YAMLException') throw error;
    throw new Error(`${target.kubeconfig ? `kubeconfig ${target.kubeconfig}` : 'kubeconfig'}: ${describeYamlError(error)}`);
  }
  if (target.context) {
    if (!config.getContextObject(target.context)) throw new Error(`context ${target.context} not found in kubeconfig`);
    config.setCurrentContext(target.context);
  }
  if (!config.getCurrentCluster()) throw new Error('no cluster configured (kubeconfig has no current context)');
  return config;
}

/** The HTTP status of a client-node error, when it has one. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof k8s.ApiException ? error.code : undefined;
}

/** A short, credential-free description of a failed API call: `GET namespaces: 403 Forbidden: <message>`. */
export function describeKubeError(action: string, error: unknown): string {
  if (error instanceof k8s.ApiException) {
    const body: unknown = typeof error.body === 'string' ? safeJson(error.body) : error.body;
    const message = isStatus(body) ? body.message : undefined;
    return `${action}: HTTP ${error.code}${message ? `: ${message}` : ''}`;
  }
  return `${action}: ${error instanceof Error ? error.message : String(error)}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isStatus(value: unknown): value is { message: string } {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}
