import { readFileSync } from 'node:fs';
import type { Stdio } from '../../io/stdio.js';
import { EXIT, UsageError } from '../kit/exit.js';
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
                                     (alias --ttl-rotation-fraction, msi-acrpull's name)
      --renew-margin DURATION        ...or this long before it expires, whichever is earlier (default 30m).

msi-acrpull's AcrPullBindings (deploy/acrpull adds the CRDs, RBAC and these flags; docs/migrating-from-msi-acrpull.md):
      --acr-pull-bindings            Also keep the Secret of every AcrPullBinding (msi-acrpull.microsoft.com/v1beta1,
                                     acrpull.microsoft.com/v1beta2), as msi-acrpull does. Defaults from the
                                     environment: ACR_SERVER, MANAGED_IDENTITY_CLIENT_ID, MANAGED_IDENTITY_RESOURCE_ID.
      --label-selector SELECTOR      Only the AcrPullBindings this label selector selects (sharding, as msi-acrpull).
      --allowed-acr-server-suffixes LIST
                                     Registry suffixes that may receive an Entra token (comma-separated, repeatable;
                                     empty: no check), instead of IMPS_KRM_ACR_ALLOWED_SUFFIXES.
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
    'acr-pull-bindings': { type: 'boolean' },
    'label-selector': { type: 'string' },
    'allowed-acr-server-suffixes': { type: 'string', multiple: true },
    'ttl-rotation-fraction': { type: 'string' },
    ...processFlags,
  });
  if (values.help) {
    stdio.stdout.write(HELP);
    return EXIT.ok;
  }
  if (values['renew-fraction'] !== undefined && values['ttl-rotation-fraction'] !== undefined) throw new UsageError('give --renew-fraction or --ttl-rotation-fraction, not both');
  const renewal = renewalFlags(values['renew-fraction'] ?? values['ttl-rotation-fraction'], values['renew-margin']);
  const labelSelector = labelSelectorFlag(values['label-selector']);
  const acrAllowedSuffixes = suffixesFlag(values['allowed-acr-server-suffixes']);
  if (labelSelector !== undefined && values['acr-pull-bindings'] !== true) throw new UsageError('--label-selector selects AcrPullBindings: it needs --acr-pull-bindings');
  const logLevel = logLevelFlag(values['log-level'] ?? values['log.level'], stdio.env);
  const ops = { ...metricsAndHealthFlags(values['metrics-addr'], values['health-addr']), explain: addressFlag('explain-addr', values['explain-addr'], DEFAULT_EXPLAIN_ADDRESS) };
  const kubeconfig = readableFileFlag('kubeconfig', values.kubeconfig, stdio.cwd);
  const { onShutdown, setupProcess } = await import('../../controller/process/process-setup.js');
  const parts = await setupProcess(stdio, { kubeconfig, context: values.context, logLevel });
  if (!parts) return EXIT.failed;
  const [{ runController }, { systemTimers }, { cloudTokenProvider }, { serviceAccountTokens }, { bindingDefaultsFrom }] = await Promise.all([
    import('../../controller/process/run-controller.js'),
    import('../../controller/runtime/timers.js'),
    import('../../adapters/cloud-token-provider.js'),
    import('../../adapters/kube/service-account-tokens.js'),
    import('../../core/acr-pull-binding.js'),
  ]);
  const elect = values['leader-elect'] === true || values['enable-leader-election'] === true;
  const running = await runController({
    ...parts,
    tokens: cloudTokenProvider(stdio.env, {
      // Workload identity of AcrPullBindings: the namespace's own ServiceAccount token, through our API client.
      serviceAccounts: values['acr-pull-bindings'] === true ? serviceAccountTokens(parts.http) : undefined,
      acrAllowedSuffixes,
      remember: (secret) => parts.redactor.remember(secret),
    }),
    timers: systemTimers,
    renewal,
    requireSourceConsent: values['require-source-consent'] === true,
    acrPullBindings: values['acr-pull-bindings'] === true ? { labelSelector, defaults: bindingDefaultsFrom(stdio.env) } : undefined,
    opsAddresses: ops,
    leaseNamespace: elect ? (values['leader-election-namespace'] ?? values['config-namespace'] ?? podNamespace(stdio.env)) : undefined,
    leaseName: values['leader-election-id'] ?? 'imps-krm-controller',
  });
  onShutdown(() => running.stop(), parts.log);
  return running.done;
}

/**
 * msi-acrpull's --allowed-acr-server-suffixes (acr_server.go): comma-separated, repeatable; trimmed, lower-cased,
 * leading and trailing dots dropped, duplicates removed. Given but empty: no check, as msi-acrpull. Absent: undefined.
 */
function suffixesFlag(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const suffixes = values.flatMap((value) => value.split(',')).map((suffix) => suffix.trim().toLowerCase().replace(/^\.+|\.+$/g, '')).filter(Boolean);
  for (const suffix of suffixes) if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(suffix)) throw new UsageError('--allowed-acr-server-suffixes takes DNS suffixes such as azurecr.io');
  return [...new Set(suffixes)];
}

/**
 * A Kubernetes label selector string (`app=a,tier!=b,env in (x,y),!legacy`), checked before any request so that a
 * typo is a usage error, not a list call refused forever.
 */
function labelSelectorFlag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const key = '([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?';
  const label = '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?';
  const requirement = new RegExp(`^(!?${key}|${key}\\s*(=|==|!=)\\s*${label}|${key}\\s+(in|notin)\\s+\\(\\s*${label}(\\s*,\\s*${label})*\\s*\\))$`);
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '(') depth++;
    else if (value[i] === ')') depth--;
    else if (value[i] === ',' && depth === 0) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  if (value.length > 4096 || parts.some((part) => !requirement.test(part.trim()))) throw new UsageError('--label-selector must be a Kubernetes label selector such as shard=a or shard in (a,b)');
  return value.trim() === '' ? undefined : value;
}

function podNamespace(env: NodeJS.ProcessEnv): string {
  if (env['POD_NAMESPACE']) return env['POD_NAMESPACE'];
  try {
    return readFileSync(NAMESPACE_FILE, 'utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}
