import type { Redactor } from '../../core/redaction.js';
import { ExpiringRedactor } from '../runtime/expiring-redactor.js';
import type { Stdio } from '../../io/stdio.js';
import { foldWarnings, releaseWarningsTo } from '../../io/warning-scope.js';
import { jsonLogger, type Logger, type LogLevel } from '../runtime/logger.js';
import { createMetrics, type ControllerMetrics } from '../runtime/metrics.js';
import { systemTimers } from '../runtime/timers.js';
import type { KubeHttp } from '../../adapters/kube/kube-http.js';
import type { KubeAccess } from '../../adapters/kube/kube-access.js';
import { KubeconfigError } from '../../adapters/kube/kubeconfig-files.js';

export interface ProcessParts {
  readonly redactor: Redactor;
  readonly log: Logger;
  readonly metrics: ControllerMetrics;
  readonly http: KubeHttp;
}

/**
 * What the long-running commands share: JSON logs on stderr, metrics, and the API client. Undefined when the
 * kubeconfig cannot be used (logged as one error line: the command exits 1).
 */
export async function setupProcess(stdio: Stdio, flags: { kubeconfig?: string | undefined; context?: string | undefined; logLevel: LogLevel }): Promise<ProcessParts | undefined> {
  const redactor = new ExpiringRedactor(systemTimers);
  const log = jsonLogger(stdio.stderr, redactor, systemTimers, flags.logLevel);
  // stderr is JSON lines: a warning a token provider emitted on a call that succeeded is one of them (a failing
  // call's warnings are folded into its error, src/io/warning-scope.ts).
  releaseWarningsTo((warning) => log.warn('a token provider emitted a process warning', { warning: foldWarnings([warning]) }));
  const metrics = createMetrics();
  const [{ loadKubeAccess }, { kubeHttp }] = await Promise.all([import('../../adapters/kube/kube-access.js'), import('../../adapters/kube/kube-http.js')]);
  let access: KubeAccess;
  try {
    access = loadKubeAccess({ kubeconfig: flags.kubeconfig, context: flags.context }, stdio.env);
  } catch (error) {
    if (!(error instanceof KubeconfigError)) throw error;
    log.error('cannot use the cluster', { error: error.message });
    return undefined;
  }
  const http = kubeHttp(access, (verb, code) => {
    metrics.apiRequests.inc({ verb, code: String(code) });
    if (code === 0 || code >= 400) metrics.apiErrors.inc({ verb, code: String(code) });
  });
  return { redactor, log, metrics, http };
}

/** Resolves on the first SIGTERM or SIGINT, so the command can drain and free its Lease. */
export function onShutdown(stop: () => Promise<void>, log: Logger): void {
  const handler = (signal: NodeJS.Signals): void => {
    log.info('shutting down', { signal });
    void stop();
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}
