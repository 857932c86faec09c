import { readFileSync } from 'node:fs';
import type { Stdio } from '../../io/stdio.js';
import { EXIT } from '../kit/exit.js';
import { parseFlags, readableFileFlag } from '../kit/flags.js';
import { addressFlag, DEFAULT_EXPLAIN_ADDRESS, logLevelFlag, metricsAndHealthFlags, processFlags, renewalFlags } from '../kit/process-flags.js';

const HELP = `Run the in-cluster controller: keep the pull Secret of every ImagePullSecret present and valid in every
selected namespace, fill shell Secrets, remove the Secrets it created when they are no longer selected, and
renew expiring tokens before they expire. Logs are JSON lines on stderr.

Usage: imps-krm controller [flags]

Flags:
      --kubeconfig PATH              kubeconfig (default: KUBECONFIG, ~/.kube/config, then in-cluster).
      --context NAME                 kubeconfig context (default: IMPS_KRM_CONTEXT, then current-context).
      --metrics-addr ADDR            Prometheus /metrics ([host]:port, default 127.0.0.1:8080: loopback only, as
                                     its labels name source Secrets; :8080 to let Prometheus scrape it; "" disables).
      --health-addr ADDR             /healthz, /livez and /readyz for the kubelet (default :8081; "" disables).
      --explain-addr ADDR            /explain for \`imps-krm explain --controller URL\` (default 127.0.0.1:8082:
                                     loopback only, reached with kubectl port-forward, as it names namespaces,
                                     Pods and rules; "" disables). Never a credential.
      --leader-elect                 Elect a leader with a coordination.k8s.io Lease (alias --enable-leader-election).
      --leader-election-namespace NS Namespace of the Lease (default: the Pod's namespace, else default).
      --config-namespace NS          IMPS name for --leader-election-namespace.
      --leader-election-id NAME      Lease name (default imps-krm-controller).
      --require-source-consent       A source Secret must name the ImagePullSecrets and namespaces that may use
                                     it (imps-krm.io/allowed-image-pull-secrets, imps-krm.io/allowed-namespaces);
                                     without the annotations it is not used. Default: absent annotations allow.
      --renew-fraction F             Renew a token after this fraction of its lifetime (default 0.5)...
      --renew-margin DURATION        ...or this long before it expires, whichever is earlier (default 30m).
      --log.level, --periodic-reconcile-interval   IMPS flags: the first is --log-level, the second is ignored.
      --log-level LEVEL              debug | info (default) | warn | error; env LOG_LEVEL.
  -h, --help                         Show this help.

SIGTERM drains the work queue and frees the Lease so a standby takes over at once. Exit 1 when leadership is lost.
`;

const NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export async function run(args: readonly string[], stdio: Stdio): Promise<number> {
  const { values } = parseFlags(args, {
    'leader-elect': { type: 'boolean' },
    'enable-leader-election': { type: 'boolean' },
    'leader-election-namespace': { type: 'string' },
    'config-namespace': { type: 'string' },
    'leader-election-id': { type: 'string' },
    'require-source-consent': { type: 'boolean' },
    'explain-addr': { type: 'string' },
    ...processFlags,
  });
  if (values.help) {
    stdio.stdout.write(HELP);
    return EXIT.ok;
  }
  const renewal = renewalFlags(values['renew-fraction'], values['renew-margin']);
  const logLevel = logLevelFlag(values['log-level'] ?? values['log.level'], stdio.env);
  const ops = { ...metricsAndHealthFlags(values['metrics-addr'], values['health-addr']), explain: addressFlag('explain-addr', values['explain-addr'], DEFAULT_EXPLAIN_ADDRESS) };
  const kubeconfig = readableFileFlag('kubeconfig', values.kubeconfig, stdio.cwd);
  const { onShutdown, setupProcess } = await import('../../controller/process/process-setup.js');
  const parts = await setupProcess(stdio, { kubeconfig, context: values.context, logLevel });
  if (!parts) return EXIT.failed;
  const [{ runController }, { systemTimers }, { cloudTokenProvider }] = await Promise.all([
    import('../../controller/process/run-controller.js'),
    import('../../controller/runtime/timers.js'),
    import('../../adapters/cloud-token-provider.js'),
  ]);
  const elect = values['leader-elect'] === true || values['enable-leader-election'] === true;
  const running = await runController({
    ...parts,
    tokens: cloudTokenProvider(),
    timers: systemTimers,
    renewal,
    requireSourceConsent: values['require-source-consent'] === true,
    opsAddresses: ops,
    leaseNamespace: elect ? (values['leader-election-namespace'] ?? values['config-namespace'] ?? podNamespace(stdio.env)) : undefined,
    leaseName: values['leader-election-id'] ?? 'imps-krm-controller',
  });
  onShutdown(() => running.stop(), parts.log);
  return running.done;
}

function podNamespace(env: NodeJS.ProcessEnv): string {
  if (env['POD_NAMESPACE']) return env['POD_NAMESPACE'];
  try {
    return readFileSync(NAMESPACE_FILE, 'utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}
