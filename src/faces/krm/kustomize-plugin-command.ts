// The legacy kustomize exec plugin protocol, the only one `kubectl kustomize --enable-alpha-plugins` (and Argo CD's
// built-in kustomize without --enable-exec) can run: argv[1] is a temp file holding the generator/transformer
// config, stdin is empty for a generator and the resources for a transformer, stdout is a plain YAML stream.
import { resolve } from 'node:path';
import { Document, isMap, YAMLSeq, type YAMLMap } from 'yaml';
import { reportProblems } from '../kit/report.js';
import { EXIT, UsageError } from '../kit/exit.js';
import { isError, type Problem } from '../../core/problems.js';
import { Redactor } from '../../core/redaction.js';
import { inputRoot, readInputFile, readInputStream, readProblem } from '../../io/input-files.js';
import { LIMITS } from '../../io/limits.js';
import { ReadBudget } from '../../io/read-budget.js';
import type { Stdio } from '../../io/stdio.js';
import { YAML_SCHEMA } from '../../io/yaml-output.js';
import { composeDocuments } from '../../io/yaml-parse.js';
import { readFunctionConfig } from './function-config.js';
import { processItems } from './process-items.js';
import { YAML_OPTIONS } from './resource-list.js';

const HELP = `Legacy kustomize exec plugin: kustomize runs it as <plugin> CONFIG_FILE.

Usage: imps-krm kustomize-plugin CONFIG_FILE   (or any link to imps-krm named ImagePullSecret or AcrPullBinding)

Install for kubectl kustomize --enable-alpha-plugins (kustomize looks the plugin up by group, version and kind):
  dir=\${XDG_CONFIG_HOME:-$HOME/.config}/kustomize/plugin/images.banzaicloud.io/v1alpha1/imagepullsecret
  mkdir -p "$dir" && ln -sf "$(command -v imps-krm)" "$dir/ImagePullSecret"
For msi-acrpull's AcrPullBinding: the same link named AcrPullBinding in
  \${XDG_CONFIG_HOME:-$HOME/.config}/kustomize/plugin/msi-acrpull.microsoft.com/v1beta1/acrpullbinding/
  (acrpull.microsoft.com/v1beta2/acrpullbinding/ for v1beta2).

CONFIG_FILE is the ImagePullSecret or AcrPullBinding listed under generators: (settings as imps-krm.io/<setting> annotations;
files: extra manifests relative to the kustomization). As a generator it prints the Secrets; as a transformer
(resources on stdin) it prints the resources, patched when asked, followed by the Secrets.
On any error: nothing on stdout, the problems on stderr, exit 1.
`;

export async function run(args: readonly string[], stdio: Stdio): Promise<number> {
  if (args[0] === '--help' || args[0] === '-h') {
    stdio.stdout.write(HELP);
    return EXIT.ok;
  }
  const configPath = args[0];
  if (configPath === undefined) throw new UsageError('the plugin config file is required (kustomize passes it as the first argument)');

  // The resources are kept as written (comments, styles) until they are printed: their tokens are bounded in all.
  const budget = new ReadBudget(LIMITS, 'whole-input');
  const fail = (problem: Problem): number => (reportProblems(stdio.stderr, [problem]), EXIT.failed);
  // kustomize writes the config to a temp file it names: the path is kustomize's, the content the repository's.
  const configText = await readInputFile(resolve(stdio.cwd, configPath), budget);
  if ('message' in configText) return fail(readProblem(configPath, configText));
  const configDocs = composeDocuments(configText.text, configPath, budget);
  if (configDocs.problems[0]) return fail(configDocs.problems[0]);
  const configDoc = configDocs.documents[0]?.doc;
  if (!configDoc || !isMap(configDoc.contents)) return fail(readProblem(configPath, { message: 'the plugin config is not a YAML object' }));
  const config = readFunctionConfig(configDoc.toJS({ maxAliasCount: -1 })); // composeDocuments bounded the aliases

  const resources = stdio.stdin.isTTY ? { text: '' } : await readInputStream(stdio.stdin, budget);
  if ('message' in resources) return fail(readProblem('<stdin>', resources));
  const composed = composeDocuments(resources.text, '<stdin>', budget);
  if (composed.problems[0]) return fail(composed.problems[0]);
  const doc = new Document(new YAMLSeq());
  const items = doc.contents as YAMLSeq;
  for (const { doc: parsed } of composed.documents) if (isMap(parsed.contents)) items.items.push(parsed.contents);
  // kustomize sets KUSTOMIZE_PLUGIN_CONFIG_ROOT to the kustomization's directory: `files` may not leave it.
  const root = await inputRoot(stdio.env['KUSTOMIZE_PLUGIN_CONFIG_ROOT'] ?? stdio.cwd, 'the kustomization directory');
  if ('message' in root) return fail({ severity: 'error', message: root.message });

  const redactor = new Redactor();
  const problems = config.problems.some(isError)
    ? config.problems
    : [
        ...config.problems,
        ...(
          await processItems({
            doc,
            items,
            configImps: config.imps,
            settings: config.settings,
            cwd: stdio.env['KUSTOMIZE_PLUGIN_CONFIG_ROOT'] ?? stdio.cwd,
            root,
            filesField: config.fields?.files,
            budget,
            dependencies: { env: stdio.env, redactor },
          })
        ).problems,
      ];
  if (reportProblems(stdio.stderr, problems, redactor)) return EXIT.failed;
  stdio.stdout.write(items.items.map((node) => new Document(node as YAMLMap, YAML_SCHEMA).toString(YAML_OPTIONS)).join('---\n'));
  return EXIT.ok;
}
