import type { Redactor } from '../core/redaction.js';
import { ExpiringRedactor } from './expiring-redactor.js';
import type { Stdio } from '../io/stdio.js';
import { UsageError } from '../cli/errors.js';
import { jsonLogger, type Logger, type LogLevel } from './logger.js';
import { createMetrics, type ControllerMetrics } from './metrics.js';
import { systemTimers } from './timers.js';
import type { KubeHttp } from '../adapters/kube/kube-http.js';
import type { KubeAccess } from '../adapters/kube/kube-access.js';
import { KubeconfigError } from '../adapters/kube/kubeconfig-files.js';
import type { RenewalPolicy } from './token-cache.js';

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
export async function setupProcess(stdio: Stdio, flags: { kubeconfig?: string | undefined; context?: string | undefined; logLevel?: string | undefined }): Promise<ProcessParts | undefined> {
  const level = flags.logLevel ?? stdio.env['LOG_LEVEL'] ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new UsageError('--log-level must be one of debug, info, warn, error');
  const redactor = new ExpiringRedactor();
  const log = jsonLogger(stdio.stderr, redactor, systemTimers, level as LogLevel);
  const metrics = createMetrics();
  const [{ loadKubeAccess }, { kubeHttp }] = await Promise.all([import('../adapters/kube/kube-access.js'), import('../adapters/kube/kube-http.js')]);
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

/** `--renew-fraction` in (0, 1] and `--renew-margin` as a Go-style duration (`30m`, `90s`, `1h30m`). */
export function renewalFlags(fraction: string | undefined, margin: string | undefined): RenewalPolicy {
  const f = fraction === undefined ? 0.5 : Number(fraction);
  if (!(f > 0 && f <= 1)) throw new UsageError('--renew-fraction must be a number in (0, 1]');
  return { fraction: f, marginMs: margin === undefined ? 30 * 60_000 : parseDuration('renew-margin', margin) };
}

export function parseDuration(flag: string, text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000 };
  let total = 0;
  const rest = text.replace(/(\d+(?:\.\d+)?)(ms|s|m|h)/g, (_match, value: string, unit: string) => {
    total += Number(value) * (units[unit] ?? 0);
    return '';
  });
  if (rest !== '' || text === '') throw new UsageError(`--${flag} must be a duration such as 30m, 90s or 1h30m`);
  return total;
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
