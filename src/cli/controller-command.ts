import { readFileSync } from 'node:fs';
import type { Stdio } from '../io/stdio.js';
import { EXIT } from './errors.js';
import { parseFlags } from './parse-flags.js';
import { processFlags } from './process-flags.js';

const HELP = `Run the in-cluster controller: keep the pull Secret of every ImagePullSecret present and valid in every
selected namespace, fill shell Secrets, remove the Secrets it created when they are no longer selected, and
renew expiring tokens before they expire. Logs are JSON lines on stderr.

Usage: imps-krm controller [flags]

Flags:
      --kubeconfig PATH              kubeconfig (default: KUBECONFIG, ~/.kube/config, then in-cluster).
      --context NAME                 kubeconfig context.
      --metrics-addr ADDR            /metrics, /healthz and /readyz ([host]:port, default :8080; "" disables).
      --leader-elect                 Elect a leader with a coordination.k8s.io Lease (alias --enable-leader-election).
      --leader-election-namespace NS Namespace of the Lease (default: the Pod's namespace, else default).
      --config-namespace NS          IMPS name for --leader-election-namespace.
      --leader-election-id NAME      Lease name (default imps-krm-controller).
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
    ...processFlags,
  });
  if (values.help) {
    stdio.stdout.write(HELP);
    return EXIT.ok;
  }
  const { onShutdown, renewalFlags, setupProcess } = await import('../controller/process-setup.js');
  const renewal = renewalFlags(values['renew-fraction'], values['renew-margin']);
  const parts = await setupProcess(stdio, { kubeconfig: values.kubeconfig, context: values.context, logLevel: values['log-level'] ?? values['log.level'] });
  const [{ runController }, { systemTimers }, { cloudTokenProvider }] = await Promise.all([
    import('../controller/run-controller.js'),
    import('../controller/timers.js'),
    import('../adapters/cloud-token-provider.js'),
  ]);
  const elect = values['leader-elect'] === true || values['enable-leader-election'] === true;
  const running = await runController({
    ...parts,
    tokens: cloudTokenProvider(),
    timers: systemTimers,
    renewal,
    opsAddress: values['metrics-addr'] === '' ? undefined : (values['metrics-addr'] ?? ':8080'),
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
