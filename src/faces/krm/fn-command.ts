import { isError, type Problem } from '../../core/problems.js';
import { Redactor } from '../../core/redaction.js';
import { inputRoot, readInputStream, readProblem } from '../../io/input-files.js';
import { LIMITS } from '../../io/limits.js';
import { ReadBudget } from '../../io/read-budget.js';
import type { Stdio } from '../../io/stdio.js';
import { reportProblems } from '../kit/report.js';
import { EXIT } from '../kit/exit.js';
import { parseFlags } from '../kit/flags.js';
import { readFunctionConfig } from './function-config.js';
import { dropGeneratorCopy } from './items.js';
import { processItems } from './process-items.js';
import { parseResourceList, writeResourceList } from './resource-list.js';
import { toResult } from './results.js';

export const FN_HELP = `Run as a KRM function: a ResourceList (config.kubernetes.io/v1, YAML or JSON) on stdin, one on stdout.

Usage: imps-krm fn < resource-list.yaml
       imps-krm       (no arguments and stdin not a terminal: the same, for kustomize exec functions)

functionConfig:
  an ImagePullSecret (images.banzaicloud.io/v1alpha1)  the spec to render; settings as imps-krm.io/<setting> annotations
  a ConfigMap                                          settings in data (kpt fn eval ... -- cluster=input)
  (none)                                               the ImagePullSecrets among the items, default settings
ImagePullSecrets among the items are rendered too. kustomize's local-config copy of a generator's
ImagePullSecret config is dropped from the output (it is config, and may also be listed under resources:).

Settings: cluster (auto|live|input), output (secrets|shells),
          patchServiceAccounts, patchWorkloads (true|false), files (comma-separated extra input manifests).
Live mode uses the operator's cluster: KUBECONFIG (else ~/.kube/config, else in-cluster) and IMPS_KRM_CONTEXT.
A functionConfig that sets kubeconfig or context is refused: a kubeconfig can run programs.

Every item is passed through unchanged; rendered Secrets are appended with path and index annotations.
Problems become results AND exit code 1 (kustomize and kpt ignore error results on exit 0); the ResourceList
is still written, unchanged, with no new Secret. Bad usage (a terminal on stdin, not a ResourceList) exits 2.
Unreadable input (not UTF-8, invalid YAML, past an input limit) exits 1 with nothing on stdout.

Examples:
  kpt fn eval pkg --exec imps-krm -- cluster=input
  kustomize build --enable-alpha-plugins --enable-exec overlays/prod
`;

export async function run(args: readonly string[], stdio: Stdio): Promise<number> {
  const { values } = parseFlags(args, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    stdio.stdout.write(FN_HELP);
    return EXIT.ok;
  }
  if (stdio.stdin.isTTY) return usage(stdio, 'stdin is a terminal; pipe a ResourceList in');
  // The ResourceList is kept whole (items pass through byte for byte): its tokens are bounded in all.
  const budget = new ReadBudget(LIMITS, 'whole-input');
  const input = await readInputStream(stdio.stdin, budget);
  if ('message' in input) return failed(stdio, readProblem('<stdin>', input));
  const list = parseResourceList(input.text, budget);
  if ('error' in list) return usage(stdio, list.error);
  if ('problem' in list) return failed(stdio, list.problem);
  // kustomize runs an exec function in the kustomization's directory, kpt in the directory it was started from:
  // `files` may not leave it.
  const root = await inputRoot(stdio.cwd, 'the working directory');
  if ('message' in root) return failed(stdio, { severity: 'error', message: root.message });

  const config = readFunctionConfig(list.functionConfig);
  const redactor = new Redactor();
  const processed = config.problems.some(isError)
    ? { problems: config.problems }
    : await processItems({
        doc: list.doc,
        items: list.items,
        configImps: config.imps,
        settings: config.settings,
        cwd: stdio.cwd,
        root,
        filesField: config.fields?.files,
        budget,
        dependencies: { env: stdio.env, redactor },
      }).then((output) => ({ ...output, problems: [...config.problems, ...output.problems] }));

  if (config.imps && !processed.problems.some(isError)) dropGeneratorCopy(list.items, config.imps);
  stdio.stdout.write(writeResourceList(list, processed.problems.map(toResult)));
  // kustomize never shows results: people see stderr. Info stays in the results only.
  return reportProblems(stdio.stderr, processed.problems, redactor) ? EXIT.failed : EXIT.ok;
}

/** Input that cannot be read or parsed: nothing to pass through, so no ResourceList; one line, exit 1. */
function failed(stdio: Stdio, problem: Problem): number {
  reportProblems(stdio.stderr, [problem]);
  return EXIT.failed;
}

function usage(stdio: Stdio, message: string): number {
  stdio.stderr.write(
    `imps-krm fn: ${message}\nUsage: imps-krm fn < resource-list.yaml   (kustomize and kpt run it for you)\nRun \`imps-krm fn --help\` for the functionConfig and settings.\n`,
  );
  return EXIT.usage;
}
