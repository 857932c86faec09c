// The legacy kustomize exec plugin protocol, the only one `kubectl kustomize --enable-alpha-plugins` (and Argo CD's
// built-in kustomize without --enable-exec) can run: argv[1] is a temp file holding the generator/transformer
// config, stdin is empty for a generator and the resources for a transformer, stdout is a plain YAML stream.
import { readFile } from 'node:fs/promises';
import { Document, isMap, parseAllDocuments, YAMLSeq, type YAMLMap } from 'yaml';
import { reportProblems } from '../kit/report.js';
import { EXIT, UsageError } from '../kit/exit.js';
import { isError } from '../../core/problems.js';
import { Redactor } from '../../core/redaction.js';
import { readAll, type Stdio } from '../../io/stdio.js';
import { YAML_SCHEMA } from '../../io/yaml-output.js';
import { readFunctionConfig } from './function-config.js';
import { processItems } from './process-items.js';
import { YAML_OPTIONS } from './resource-list.js';

const HELP = `Legacy kustomize exec plugin: kustomize runs it as <plugin> CONFIG_FILE.

Usage: imps-krm kustomize-plugin CONFIG_FILE   (or any link to imps-krm named ImagePullSecret)

Install for kubectl kustomize --enable-alpha-plugins (kustomize looks the plugin up by group, version and kind):
  dir=\${XDG_CONFIG_HOME:-$HOME/.config}/kustomize/plugin/images.banzaicloud.io/v1alpha1/imagepullsecret
  mkdir -p "$dir" && ln -sf "$(command -v imps-krm)" "$dir/ImagePullSecret"

CONFIG_FILE is the ImagePullSecret listed under generators: (settings as imps-krm.io/<setting> annotations;
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

  const configText = await readFile(configPath, 'utf8').catch((error: NodeJS.ErrnoException) => error);
  if (typeof configText !== 'string') {
    stdio.stderr.write(`imps-krm: cannot read the plugin config ${configPath}: ${configText.code ?? configText.message}\n`);
    return EXIT.failed;
  }
  const [configDoc] = parseAllDocuments(configText);
  if (!configDoc || configDoc.errors.length > 0 || !isMap(configDoc.contents)) {
    stdio.stderr.write(`imps-krm: ${configPath}: the plugin config is not a YAML object\n`);
    return EXIT.failed;
  }
  const config = readFunctionConfig(configDoc.toJS());

  const resources = stdio.stdin.isTTY ? '' : await readAll(stdio.stdin);
  const doc = new Document(new YAMLSeq());
  const items = doc.contents as YAMLSeq;
  for (const parsed of parseAllDocuments(resources)) {
    if (parsed.errors.length > 0) {
      stdio.stderr.write(`imps-krm: resources on stdin are not valid YAML: ${parsed.errors[0]?.message.split('\n')[0] ?? ''}\n`);
      return EXIT.failed;
    }
    if (isMap(parsed.contents)) items.items.push(parsed.contents);
  }

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
            dependencies: { env: stdio.env, redactor },
          })
        ).problems,
      ];
  if (reportProblems(stdio.stderr, problems, redactor)) return EXIT.failed;
  stdio.stdout.write(items.items.map((node) => new Document(node as YAMLMap, YAML_SCHEMA).toString(YAML_OPTIONS)).join('---\n'));
  return EXIT.ok;
}
