import { controllerExplanation } from '../../app/controller-explanation.js';
import { explainDocuments } from '../../app/explain-documents.js';
import { dns1123LabelErrors } from '../../core/names.js';
import type { Problem } from '../../core/problems.js';
import type { Explanation } from '../../generated/explanation.js';
import { readDocuments } from '../../io/documents.js';
import { ReadBudget } from '../../io/read-budget.js';
import type { Stdio } from '../../io/stdio.js';
import { EXIT, UsageError } from '../kit/exit.js';
import { clusterFlag, manifestFlags, oneOf, parseFlags, readableFileFlag } from '../kit/flags.js';
import { reportProblems } from '../kit/report.js';
import { explanationTable } from './explain-table.js';

const HELP = `Explain, for each ImagePullSecret and namespace, why the namespace does or does not get the Secret: the
rule that selected it (a names entry, label or annotation selector N, a Pod matching namespacesWithPods selector N),
the excludeNamespaces entry that removed it, the source Secret consent annotation that refused it, or why no rule
matches.

Usage: imps-krm explain -f FILE|DIR|- [-f ...] [--cluster auto|live|input] [flags]
       imps-krm explain --controller URL [flags]

Flags:
  -f, --filename PATH        ImagePullSecrets (and, in input mode, the manifests standing for the cluster): file,
                             folder (read recursively) or - for stdin. Repeatable.
      --cluster MODE         auto | live | input, as for render: live = the cluster of the kubeconfig (namespaces
                             and Pods listed metadata-only, source Secrets read for their annotations), input = the
                             manifests. auto (default) = live when a kubeconfig or in-cluster config exists.
      --kubeconfig PATH      kubeconfig for live mode (default: KUBECONFIG, then ~/.kube/config).
      --context NAME         kubeconfig context for live mode (default: IMPS_KRM_CONTEXT, then current-context).
      --require-source-consent
                             Judge source Secrets as the controller run with --require-source-consent does.
      --controller URL       Controller-cache mode: ask the running controller what it sees (its ImagePullSecrets,
                             its caches, its own consent setting). It listens on the Pod's loopback: first
                             kubectl -n imps-krm-system port-forward pod/LEADER-POD 8082
                             then --controller http://127.0.0.1:8082. No -f, --cluster or kubeconfig flags.
  -n, --namespace NAME       Explain this namespace, whatever its verdict (repeatable, up to 100).
      --all                  List every namespace, those no rule matches too (default: the namespaces some rule
                             matches or names, and a count of the others).
  -o, --output FORMAT        table (default) | json (stable field names: docs/explain.md).
  -h, --help                 Show this help.

Verdicts: selected, excluded, refused (a source's consent annotations), unmatched, missing (no such namespace).
Exit 0 when explained (whatever the verdicts), 1 for bad input or an unreachable cluster or controller, 2 for bad
usage.

Examples:
  imps-krm explain -f examples/basic --cluster input
  imps-krm explain -f imps.yaml --context prod --namespace payments
  imps-krm explain --controller http://127.0.0.1:8082 -n payments -o json
`;

/** As many namespaces as a person asks about; a longer list is a job for --all. */
const MAX_NAMESPACES = 100;

export async function run(args: readonly string[], stdio: Stdio): Promise<number> {
  const { values } = parseFlags(args, {
    ...manifestFlags,
    'require-source-consent': { type: 'boolean' },
    controller: { type: 'string' },
    namespace: { type: 'string', short: 'n', multiple: true },
    all: { type: 'boolean' },
    output: { type: 'string', short: 'o' },
  });
  if (values.help) {
    stdio.stdout.write(HELP);
    return EXIT.ok;
  }
  const cluster = clusterFlag(values.cluster);
  const output = oneOf('output', values.output, ['table', 'json'] as const) ?? 'table';
  const namespaces = namespaceFlags(values.namespace);
  if (namespaces && values.all) throw new UsageError('--namespace and --all cannot be used together');
  const paths = values.filename ?? [];
  const options = { namespaces, all: values.all };

  let result: { readonly explanation: Explanation } | { readonly problems: readonly Problem[] };
  if (values.controller !== undefined) {
    const liveOnly = (['cluster', 'kubeconfig', 'context', 'require-source-consent'] as const).filter((flag) => values[flag] !== undefined);
    if (paths.length > 0 || liveOnly.length > 0) {
      throw new UsageError(`--controller explains what the controller sees: ${[...(paths.length > 0 ? ['-f'] : []), ...liveOnly.map((flag) => `--${flag}`)].join(', ')} cannot be used with it`);
    }
    result = await controllerExplanation(controllerUrl(values.controller), options);
  } else {
    if (paths.length === 0) throw new UsageError('at least one -f FILE|DIR|- is required (or --controller URL)');
    const kubeconfig = readableFileFlag('kubeconfig', values.kubeconfig, stdio.cwd);
    // -f is the CLI user's own choice: read wherever it points (no input root), but bounded like every face.
    const read = await readDocuments(paths, { cwd: stdio.cwd, budget: new ReadBudget(), stdin: stdio.stdin });
    result =
      read.problems.length > 0
        ? { problems: read.problems }
        : await explainDocuments(
            read.documents,
            { cluster, requireConsent: values['require-source-consent'], ...options },
            { env: stdio.env, target: { kubeconfig, context: values.context } },
          );
  }

  if ('problems' in result) {
    reportProblems(stdio.stderr, result.problems);
    return EXIT.failed;
  }
  const { explanation } = result;
  // What stops a render whatever the namespaces (a missing source): people read it on stderr; JSON carries it too.
  reportProblems(
    stdio.stderr,
    explanation.imagePullSecrets.flatMap((imps) =>
      imps.problems.map((message) => ({ severity: 'warning' as const, resource: { apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', name: imps.name }, message })),
    ),
  );
  stdio.stdout.write(output === 'json' ? `${JSON.stringify(explanation, null, 2)}\n` : explanationTable(explanation, namespaces !== undefined));
  return EXIT.ok;
}

function namespaceFlags(values: readonly string[] | undefined): readonly string[] | undefined {
  if (values === undefined) return undefined;
  if (values.length > MAX_NAMESPACES) throw new UsageError(`--namespace is given more than ${MAX_NAMESPACES} times: use --all`);
  for (const value of values) {
    // The flag's value is not repeated: it may be anything a shell passes.
    if (dns1123LabelErrors(value).length > 0) throw new UsageError('--namespace must be a namespace name (a DNS-1123 label)');
  }
  return values;
}

function controllerUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError('--controller must be a URL such as http://127.0.0.1:8082');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new UsageError('--controller must be an http:// or https:// URL without credentials, query or fragment, such as http://127.0.0.1:8082');
  }
  return url;
}
