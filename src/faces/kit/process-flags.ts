import type { LogLevel } from '../../controller/runtime/logger.js';
import { parseAddress, type OpsAddresses } from '../../controller/runtime/ops-server.js';
import type { RenewalPolicy } from '../../controller/runtime/token-cache.js';
import { UsageError } from './exit.js';
import { oneOf } from './flags.js';

/**
 * Flags shared by the long-running commands (`controller`, `refresh`): cluster access, renewal timing, metrics and
 * logging. IMPS's own flags are accepted so its manifests work unchanged: `--log.level` is `--log-level`; the
 * periodic resync interval is ignored (renewal is driven by token expiry and watches, never by a timer).
 */
export const processFlags = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  'metrics-addr': { type: 'string' },
  'health-addr': { type: 'string' },
  'renew-fraction': { type: 'string' },
  'renew-margin': { type: 'string' },
  'log-level': { type: 'string' },
  'log.level': { type: 'string' },
  'periodic-reconcile-interval': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** `--log-level` (or IMPS's `--log.level`), else LOG_LEVEL, else info. */
export function logLevelFlag(flag: string | undefined, env: NodeJS.ProcessEnv): LogLevel {
  if (flag !== undefined) return oneOf('log-level', flag, LOG_LEVELS) ?? 'info';
  const fromEnv = env['LOG_LEVEL'];
  if (fromEnv === undefined || fromEnv === '') return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(fromEnv)) throw new UsageError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return fromEnv as LogLevel;
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

/**
 * `/metrics` stays on loopback unless the operator exposes it: its labels name source Secrets and ImagePullSecrets.
 * Probes listen on every interface, since the kubelet reaches them at the Pod IP.
 */
export const DEFAULT_METRICS_ADDRESS = '127.0.0.1:8080';
export const DEFAULT_HEALTH_ADDRESS = ':8081';
/** The controller's `/explain` names namespaces, Pods and rules: loopback, reached with `kubectl port-forward`. */
export const DEFAULT_EXPLAIN_ADDRESS = '127.0.0.1:8082';

/** `--metrics-addr` and `--health-addr` as `[host]:port`: an absent flag takes the default, an empty one turns it off. */
export function metricsAndHealthFlags(metrics: string | undefined, health: string | undefined): OpsAddresses {
  return { metrics: addressFlag('metrics-addr', metrics, DEFAULT_METRICS_ADDRESS), health: addressFlag('health-addr', health, DEFAULT_HEALTH_ADDRESS) };
}

export function addressFlag(flag: string, value: string | undefined, fallback: string): string | undefined {
  if (value === '') return undefined;
  const address = value ?? fallback;
  // The rule the server listens by, checked here so a bad value is a usage error before anything starts.
  try {
    parseAddress(address);
  } catch {
    throw new UsageError(`--${flag} must be [host]:port, e.g. 127.0.0.1:8080 or :8080`);
  }
  return address;
}
