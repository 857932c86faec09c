import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { KubeHttp } from '../../adapters/kube/kube-http.js';
import type { Redactor } from '../../core/redaction.js';
import type { TokenProvider } from '../../ports/tokens.js';
import type { BackoffPolicy } from '../runtime/backoff.js';
import { Controller } from '../imps/controller.js';
import type { BindingWatchOptions } from '../imps/cluster-cache.js';
import { explainEndpoint } from '../imps/explain-cache.js';
import { LeaderElector } from '../runtime/leader-election.js';
import type { Logger } from '../runtime/logger.js';
import type { ControllerMetrics } from '../runtime/metrics.js';
import { startOpsServer, type OpsAddresses, type OpsServer } from '../runtime/ops-server.js';
import type { Timers } from '../runtime/timers.js';
import type { RenewalPolicy } from '../runtime/token-cache.js';

export interface RunOptions {
  readonly http: KubeHttp;
  readonly tokens: TokenProvider;
  readonly timers: Timers;
  readonly log: Logger;
  readonly metrics: ControllerMetrics;
  readonly redactor: Redactor;
  readonly renewal?: RenewalPolicy;
  readonly backoff?: BackoffPolicy;
  /** `--require-source-consent`: absent consent annotations on a source Secret deny. */
  readonly requireSourceConsent?: boolean;
  /** `--acr-pull-bindings` (and `--label-selector`): keep msi-acrpull's AcrPullBindings too. */
  readonly acrPullBindings?: BindingWatchOptions | undefined;
  /** Where /metrics, the probes and /explain listen (see faces/kit/process-flags.ts); undefined: none. */
  readonly opsAddresses?: OpsAddresses | undefined;
  /** Lease namespace; undefined: no leader election (a single replica). */
  readonly leaseNamespace?: string | undefined;
  readonly leaseName?: string;
  readonly leaseTimings?: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
  readonly identity?: string;
}

export interface RunningController {
  /** Resolves with the exit code: 0 after `stop()`, 1 when leadership was lost. */
  readonly done: Promise<number>;
  readonly ops: OpsServer | undefined;
  controller(): Controller | undefined;
  stop(): Promise<void>;
}

/**
 * The controller process: ops server first (probes answer while waiting), then the Lease, then the watches and
 * reconciles. Losing the Lease ends the run (exit 1, the Deployment restarts us as a standby), as controller-runtime
 * does: continuing could mean two writers. `stop()` (SIGTERM) drains the queue and frees the Lease.
 */
export async function runController(options: RunOptions): Promise<RunningController> {
  let controller: Controller | undefined;
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));
  const elector = options.leaseNamespace
    ? new LeaderElector({
        http: options.http,
        timers: options.timers,
        log: options.log,
        namespace: options.leaseNamespace,
        name: options.leaseName ?? 'imps-krm-controller',
        identity: options.identity ?? `${hostname()}_${randomBytes(4).toString('hex')}`,
        ...options.leaseTimings,
      })
    : undefined;
  const ops = options.opsAddresses
    ? await startOpsServer(
        options.opsAddresses,
        options.metrics.registry,
        () => (elector && !elector.leading) || (controller?.ready ?? false),
        (query) => explainEndpoint(query, { cache: controller?.cache, ready: controller?.ready ?? false, requireConsent: options.requireSourceConsent ?? false }),
      )
    : undefined;
  let stopping = false;

  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    options.metrics.leader.set(0);
    await controller?.stop();
    await elector?.release();
    await ops?.close();
    finish(code);
  };

  void (async () => {
    if (elector && !(await elector.acquire())) return;
    if (stopping) return;
    options.metrics.leader.set(1);
    elector?.keepRenewing(() => void stop(1));
    controller = new Controller({
      http: options.http,
      tokens: options.tokens,
      timers: options.timers,
      log: options.log,
      metrics: options.metrics,
      redactor: options.redactor,
      ...(options.renewal ? { renewal: options.renewal } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.requireSourceConsent ? { requireSourceConsent: true } : {}),
      ...(options.acrPullBindings ? { acrPullBindings: options.acrPullBindings } : {}),
    });
    await controller.start();
  })().catch((error: unknown) => {
    options.log.error('controller failed', { error: options.redactor.redact(error instanceof Error ? error.message : String(error)) });
    void stop(1);
  });

  return { done, ops, controller: () => controller, stop: () => stop(0) };
}
