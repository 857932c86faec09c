import { renderDocuments } from '../../app/render-documents.js';
import { readDocuments } from '../../io/documents.js';
import { ReadBudget } from '../../io/read-budget.js';
import type { Stdio } from '../../io/stdio.js';
import { toJsonList, toYamlStream } from '../../io/yaml-output.js';
import { reportProblems } from '../kit/report.js';
import { renderSummary } from './render-summary.js';
import { EXIT, UsageError } from '../kit/exit.js';
import { clusterFlag, manifestFlags, oneOf, parseFlags, readableFileFlag } from '../kit/flags.js';

const HELP = `Render the pull Secrets of every ImagePullSecret (and msi-acrpull AcrPullBinding) found in the input, as a
YAML stream on stdout.

Usage: imps-krm render -f FILE|DIR|- [-f ...] [flags]

Flags:
  -f, --filename PATH    File, folder (read recursively) or - for stdin. Repeatable. Required.
      --cluster MODE     auto | live | input. Where namespaces, pods and source Secrets come from:
                         live = the cluster of the kubeconfig (or in-cluster service account),
                         input = the Namespace, Pod, workload and Secret manifests in the input.
                         auto (default) = live when a kubeconfig or in-cluster config exists, else input.
      --kubeconfig PATH  kubeconfig for live mode (default: KUBECONFIG, then ~/.kube/config).
      --context NAME     kubeconfig context for live mode (default: IMPS_KRM_CONTEXT, then current-context).
  -o, --output FORMAT    yaml (default) | json (a v1 List).
      --shells           Render refresher-managed shells: the Secrets without credentials, for the in-cluster
                         controller to fill. Reads no source Secret and mints no token.
  -n, --namespace NS     Namespace of the AcrPullBindings that name none (default: default), where you apply them.
  -q, --quiet            Print nothing on stderr on success (by default: one summary line per ImagePullSecret).
  -h, --help             Show this help.

On success, stdout has the Secrets and stderr one line per ImagePullSecret, e.g.
  rendered 5 Secrets for ImagePullSecret imps: namespaces a, b, c, d, e (kube-mesh excluded)
Fails closed: on any error nothing is printed on stdout (an empty render would make Argo CD prune live
Secrets), stderr says what is wrong, and the exit code is 1. Bad usage exits 2.

Examples:
  imps-krm render -f examples/basic --cluster input
  imps-krm render -f imps.yaml --context prod -o json
  kustomize build overlays/prod | imps-krm render -f -
  imps-krm render -f imps/ --shells      # no credentials: imps-krm controller fills them in-cluster
`;

export async function run(args: readonly string[], stdio: Stdio): Promise<number> {
  const { values } = parseFlags(args, {
    ...manifestFlags,
    output: { type: 'string', short: 'o' },
    shells: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    namespace: { type: 'string', short: 'n' },
  });
  if (values.help) {
    stdio.stdout.write(HELP);
    return EXIT.ok;
  }
  const paths = values.filename ?? [];
  if (paths.length === 0) throw new UsageError('at least one -f FILE|DIR|- is required');
  const cluster = clusterFlag(values.cluster);
  const output = oneOf('output', values.output, ['yaml', 'json'] as const) ?? 'yaml';
  const kubeconfig = readableFileFlag('kubeconfig', values.kubeconfig, stdio.cwd);
  const namespace = values.namespace;
  if (namespace !== undefined && (namespace.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace))) throw new UsageError('--namespace must be a namespace name');

  // -f is the CLI user's own choice: read wherever it points (no input root), but bounded like every face.
  const read = await readDocuments(paths, { cwd: stdio.cwd, budget: new ReadBudget(), stdin: stdio.stdin });
  const rendered =
    read.problems.length > 0
      ? { secrets: [], outcomes: [], problems: read.problems }
      : await renderDocuments(
          read.documents,
          { cluster, output: values.shells ? 'shells' : 'secrets' },
          { env: stdio.env, target: { kubeconfig, context: values.context }, bindingNamespace: namespace },
        );

  if (reportProblems(stdio.stderr, rendered.problems)) return EXIT.failed;
  stdio.stdout.write(output === 'json' ? toJsonList(rendered.secrets) : toYamlStream(rendered.secrets));
  // People read stderr: say what was done. Never on stdout, which is the data.
  if (!values.quiet) for (const outcome of rendered.outcomes) stdio.stderr.write(`${renderSummary(outcome, values.shells === true)}\n`);
  return EXIT.ok;
}
