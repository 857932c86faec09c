import type { Stdio } from '../../io/stdio.js';
import { EXIT } from '../kit/exit.js';
import { oneOf, parseFlags, readableFileFlag } from '../kit/flags.js';
import { formatPlan } from './plan-text.js';

const HELP = `Check a live cluster before switching from the IMPS controller (or msi-acrpull) to imps-krm's, and print the
plan: which Secrets the controller will adopt, refuse (and why) or delete, which it will create, which
ImagePullSecrets, AcrPullBindings or source Secrets need changes first, and which ImagePullSecrets or msi-acrpull
CRDs belong to a Helm release (IMPS's or msi-acrpull's chart) with the steps that keep them. Reads only: lists and
gets, never a write, never a registry call. AcrPullBindings are checked with this process's environment as the
controller's (ACR_SERVER, MANAGED_IDENTITY_*, IMPS_KRM_ACR_ALLOWED_SUFFIXES): export what the Deployment sets.

Usage: imps-krm migrate [flags]

Flags:
      --kubeconfig PATH           kubeconfig (default: KUBECONFIG, ~/.kube/config, then in-cluster).
      --context NAME              kubeconfig context (default: IMPS_KRM_CONTEXT, then current-context).
      --require-source-consent    Plan for the controller flag of that name: report the source Secrets that lack
                                  the imps-krm.io/allowed-image-pull-secrets or allowed-namespaces annotations.
  -o, --output FORMAT             text (default) | json.
  -h, --help                      Show this help.

Exit code: 0 when nothing needs attention before the switch, 1 when something does (a Secret that will be refused,
a spec or source to change, an ImagePullSecret in a Helm release) or the cluster cannot be read, 2 on bad usage.
The order of steps and a rollback: docs/migrating-from-imps.md, docs/migrating-from-msi-acrpull.md.

Examples:
  imps-krm migrate --context prod
  imps-krm migrate --require-source-consent -o json | jq '.summary'
`;

export async function run(args: readonly string[], stdio: Stdio): Promise<number> {
  const { values } = parseFlags(args, {
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
    'require-source-consent': { type: 'boolean' },
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    stdio.stdout.write(HELP);
    return EXIT.ok;
  }
  const output = oneOf('output', values.output, ['text', 'json'] as const) ?? 'text';
  const kubeconfig = readableFileFlag('kubeconfig', values.kubeconfig, stdio.cwd);
  const [{ loadKubeAccess }, { KubeApiError, kubeHttp }, { KubeconfigError }, { checkMigration }] = await Promise.all([
    import('../../adapters/kube/kube-access.js'),
    import('../../adapters/kube/kube-http.js'),
    import('../../adapters/kube/kubeconfig-files.js'),
    import('../../controller/migrate/migration-check.js'),
  ]);
  let report;
  try {
    const http = kubeHttp(loadKubeAccess({ kubeconfig, context: values.context }, stdio.env));
    report = await checkMigration(http, { requireSourceConsent: values['require-source-consent'] === true, env: stdio.env });
  } catch (error) {
    if (!(error instanceof KubeconfigError || error instanceof KubeApiError)) throw error;
    stdio.stderr.write(`error: cannot read the cluster: ${error.message}\n`);
    return EXIT.failed;
  }
  stdio.stdout.write(output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatPlan(report));
  if (!report.ready) {
    const { summary } = report;
    stdio.stderr.write(
      `error: not ready to switch: ${summary.refuse} Secret(s) refused, ${summary.specChanges} spec or source change(s), ${summary.helmReleases} ImagePullSecret(s) or CRD(s) in a Helm release without a keep policy\n`,
    );
  }
  return report.ready ? EXIT.ok : EXIT.failed;
}
