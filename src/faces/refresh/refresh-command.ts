import type { Stdio } from '../../io/stdio.js';
import { EXIT, UsageError } from '../kit/exit.js';
import { parseFlags, readableFileFlag } from '../kit/flags.js';
import { logLevelFlag, metricsAndHealthFlags, processFlags, renewalFlags } from '../kit/process-flags.js';

const HELP = `Merge source Secrets into one target Secret and keep it fresh: the IMPS token refresher, same flags and
same namespace.name references. Needs no ImagePullSecret and no namespace access: only the named Secrets.

Usage: imps-krm refresh --target-secret NS.NAME --source-secret NS.NAME [--source-secret ...] [flags]

Flags:
      --target-secret NS.NAME   The Secret to write (created when missing). Required.
      --source-secret NS.NAME   A source Secret (docker config or banzaicloud.io/aws-ecr-login-config). Repeatable.
      --once                    Write once and exit: 0 when written or already current, 1 on any error
                                (the target is never emptied). For CronJobs and tests.
      --kubeconfig PATH         kubeconfig (default: KUBECONFIG, ~/.kube/config, then in-cluster).
      --context NAME            kubeconfig context (default: IMPS_KRM_CONTEXT, then current-context).
      --metrics-addr ADDR       /metrics while running ([host]:port, default 127.0.0.1:8080, loopback only; "" disables).
      --health-addr ADDR        /healthz, /livez, /readyz while running (default :8081; "" disables).
      --renew-fraction F        Renew after this fraction of a token's lifetime (default 0.5)...
      --renew-margin DURATION   ...or this long before expiry, whichever is earlier (default 30m).
      --log.level, --periodic-reconcile-interval   IMPS flags: the first is --log-level, the second is ignored.
      --log-level LEVEL         debug | info (default) | warn | error; env LOG_LEVEL.
  -h, --help                    Show this help.
`;

export async function run(args: readonly string[], stdio: Stdio): Promise<number> {
  const { values } = parseFlags(args, {
    'target-secret': { type: 'string' },
    'source-secret': { type: 'string', multiple: true },
    once: { type: 'boolean' },
    ...processFlags,
  });
  if (values.help) {
    stdio.stdout.write(HELP);
    return EXIT.ok;
  }
  const { parseSecretRef, Refresher } = await import('../../controller/refresher/refresher.js');
  if (!values['target-secret']) throw new UsageError('--target-secret NS.NAME is required');
  const target = parseSecretRef(values['target-secret']);
  if (!target) throw new UsageError(`invalid resource reference name ${JSON.stringify(values['target-secret'])}: expected namespace.name`);
  const sources = (values['source-secret'] ?? []).map((text) => {
    const ref = parseSecretRef(text);
    if (!ref) throw new UsageError(`invalid resource reference name ${JSON.stringify(text)}: expected namespace.name`);
    return ref;
  });
  const [first, ...rest] = sources;
  if (!first) throw new UsageError('no source secrets are specified: give at least one --source-secret NS.NAME');

  const renewal = renewalFlags(values['renew-fraction'], values['renew-margin']);
  const logLevel = logLevelFlag(values['log-level'] ?? values['log.level'], stdio.env);
  const ops = metricsAndHealthFlags(values['metrics-addr'], values['health-addr']);
  const kubeconfig = readableFileFlag('kubeconfig', values.kubeconfig, stdio.cwd);
  const { onShutdown, setupProcess } = await import('../../controller/process/process-setup.js');
  const parts = await setupProcess(stdio, { kubeconfig, context: values.context, logLevel });
  if (!parts) return EXIT.failed;
  const [{ systemTimers }, { cloudTokenProvider }, { startOpsServer }] = await Promise.all([
    import('../../controller/runtime/timers.js'),
    import('../../adapters/cloud-token-provider.js'),
    import('../../controller/runtime/ops-server.js'),
  ]);
  const refresher = new Refresher({ ...parts, tokens: cloudTokenProvider(), timers: systemTimers, renewal, target, sources: [first, ...rest] });
  if (values.once) {
    const errors = await refresher.once();
    for (const error of errors) parts.log.error('refresh failed', { target: values['target-secret'], error });
    if (errors.length === 0) parts.log.info('refreshed', { target: values['target-secret'] });
    return errors.length === 0 ? EXIT.ok : EXIT.failed;
  }
  const server = await startOpsServer(ops, parts.metrics.registry, () => true);
  onShutdown(async () => refresher.stop(), parts.log);
  await refresher.run();
  await server.close();
  return EXIT.ok;
}
