import type { Stdio } from '../../io/stdio.js';
import { EXIT, UsageError } from '../kit/exit.js';
import { parseFlags, readableFileFlag } from '../kit/flags.js';
import { logLevelFlag, metricsAndHealthFlags, processFlags, renewalFlags } from '../kit/process-flags.js';

const HELP = `Merge source Secrets into one target Secret and keep it fresh: the IMPS token refresher, same flags and
same namespace.name references. Needs no ImagePullSecret and no namespace access: only the named Secrets.

Usage: imps-krm refresh --target-secret NS.NAME --source-secret NS.NAME [--source-secret ...] [flags]
       imps-krm refresh --target-secret NAME --target-namespaces "NS NS ..." --source-ecr-public [flags]

Flags:
      --target-secret NS.NAME   The Secret to write (created when missing). Required.
      --target-namespaces LIST  Write --target-secret (then a plain NAME) in each of these namespaces, separated by
                                spaces or commas: the Amazon ECR Public credentials helper's TARGET_NAMESPACES
                                (args: ["--target-namespaces=$(TARGET_NAMESPACES)"]). One that fails does not stop
                                the others; the exit code says so.
      --source-secret NS.NAME   A source Secret (docker config or banzaicloud.io/aws-ecr-login-config). Repeatable.
      --source-ecr-public       An ECR Public token minted with the process's own AWS identity (IRSA, Pod Identity),
                                under the key https://public.ecr.aws with username AWS, as the ECR Public helper's
                                \`kubectl create secret docker-registry\` wrote it.
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
    'target-namespaces': { type: 'string' },
    'source-ecr-public': { type: 'boolean' },
    once: { type: 'boolean' },
    ...processFlags,
  });
  if (values.help) {
    stdio.stdout.write(HELP);
    return EXIT.ok;
  }
  const { parseSecretRef, Refresher } = await import('../../controller/refresher/refresher.js');
  if (!values['target-secret']) throw new UsageError('--target-secret NS.NAME is required');
  const namespaces = values['target-namespaces'] === undefined ? undefined : namespaceList(values['target-namespaces']);
  const target = namespaces ? plainName(values['target-secret'], namespaces[0]!) : parseSecretRef(values['target-secret']);
  if (!target) throw new UsageError(`invalid resource reference name ${JSON.stringify(values['target-secret'])}: expected namespace.name`);
  const sources = (values['source-secret'] ?? []).map((text) => {
    const ref = parseSecretRef(text);
    if (!ref) throw new UsageError(`invalid resource reference name ${JSON.stringify(text)}: expected namespace.name`);
    return ref;
  });
  // The ECR Public helper's login: its key (https://public.ecr.aws) and the process's own AWS identity.
  const inline = values['source-ecr-public'] ? [{ type: 'imps-krm.io/ecr-public-login-config' as const, config: { registry: 'https://public.ecr.aws' } }] : [];
  if (sources.length === 0 && inline.length === 0) throw new UsageError('no source secrets are specified: give at least one --source-secret NS.NAME (or --source-ecr-public)');

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
  const refresher = new Refresher({ ...parts, tokens: cloudTokenProvider(stdio.env), timers: systemTimers, renewal, target, namespaces, sources, inline });
  if (values.once) {
    const errors = await refresher.once();
    for (const error of errors) parts.log.error('refresh failed', { target: refresher.label, error });
    if (errors.length === 0) parts.log.info('refreshed', { target: refresher.label });
    return errors.length === 0 ? EXIT.ok : EXIT.failed;
  }
  const server = await startOpsServer(ops, parts.metrics.registry, () => true);
  onShutdown(async () => refresher.stop(), parts.log);
  await refresher.run();
  await server.close();
  return EXIT.ok;
}

/**
 * TARGET_NAMESPACES as the ECR Public helper read it (`for ns in $(echo $TARGET_NAMESPACES)`: split on whitespace),
 * commas allowed too, each checked as a namespace name; duplicates once. Bad entries are usage errors naming their
 * position, not their text.
 */
function namespaceList(text: string): [string, ...string[]] {
  const entries = text.split(/[\s,]+/).filter((entry) => entry !== '');
  const bad = entries.findIndex((entry) => entry.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(entry));
  if (bad >= 0) throw new UsageError(`--target-namespaces: entry ${bad + 1} is not a namespace name (lower case alphanumeric characters or '-', at most 63)`);
  const [first, ...rest] = [...new Set(entries)];
  if (!first) throw new UsageError('--target-namespaces names no namespace');
  return [first, ...rest];
}

/** With --target-namespaces, --target-secret is the name written in each: a Secret name, no namespace. */
function plainName(text: string, namespace: string): { namespace: string; name: string } | undefined {
  if (text.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(text)) {
    throw new UsageError('--target-secret: with --target-namespaces it is the name of the Secret written in each (a DNS-1123 subdomain)');
  }
  return { namespace, name: text };
}
