// Argo CD config-management plugin (CMP v2 sidecar). `generate` prints plain Kubernetes objects, never a
// ResourceList: the rendered Secrets plus every other manifest of the app directory. It fails closed: on any error
// stdout stays empty and the exit code is 1, because an empty render with auto-prune deletes the app's resources.
import { Document, isNode, type YAMLSeq } from 'yaml';
import type { LiveTarget } from '../../adapters/kube/detect.js';
import { reportProblems } from '../kit/report.js';
import { EXIT, UsageError } from '../kit/exit.js';
import { parseFlags, readableFileFlag } from '../kit/flags.js';
import { isAcrPullBindingLike } from '../../app/select-bindings.js';
import { isImagePullSecretLike } from '../../app/select-inputs.js';
import { isError, type Problem } from '../../core/problems.js';
import { Redactor } from '../../core/redaction.js';
import { isRecord } from '../../core/records.js';
import { oneLine } from '../../core/text.js';
import { readDocuments, type InputDocument } from '../../io/documents.js';
import { ReadBudget } from '../../io/read-budget.js';
import type { Stdio } from '../../io/stdio.js';
import { toYamlStream } from '../../io/yaml-output.js';
import { isLocalConfig, mayBeEdited } from '../krm/items.js';
import { processItems } from '../krm/process-items.js';
import type { Settings } from '../krm/settings.js';
import { argocdSettings } from './argocd-settings.js';
import { repositoryRoot } from './repository-root.js';

const HELP = `Argo CD config-management plugin (sidecar, see argocd-cmp/plugin.yaml).

Usage: imps-krm cmp generate [--kubeconfig PATH] [--context NAME] [DIR]
                                     print the app directory's manifests and the rendered Secrets (DIR default .)
       imps-krm cmp discover [DIR]   print the first file holding an ImagePullSecret or an AcrPullBinding
                                     (Argo CD discovery)

Settings (Application spec.source.plugin): parameters cluster, output, patchServiceAccounts, patchWorkloads,
files; or env CLUSTER, OUTPUT, PATCH_SERVICE_ACCOUNTS, ... (read as ARGOCD_ENV_<NAME>). Parameters win over env.

Operator settings (plugin.yaml's command and the sidecar's environment, never the Application): --kubeconfig
or KUBECONFIG, --context or IMPS_KRM_CONTEXT. An Application that sets kubeconfig or context is refused.

Not printed: objects marked config.kubernetes.io/local-config, kustomize/kpt config files, and the
ImagePullSecrets and AcrPullBindings themselves (they are the plugin's input) unless output is shells (the
in-cluster controller needs them). On any error nothing is printed, the problems go to stderr and the exit code is 1.
`;

export async function run(args: readonly string[], stdio: Stdio): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { help: { type: 'boolean', short: 'h' }, kubeconfig: { type: 'string' }, context: { type: 'string' } },
    true,
  );
  const [action, dir = '.', ...rest] = positionals;
  if (values.help) {
    stdio.stdout.write(HELP);
    return EXIT.ok;
  }
  if (action === undefined) throw new UsageError('an action is required: generate or discover');
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  if (action === 'discover') return discover(dir, stdio);
  if (action !== 'generate') throw new UsageError(`unknown action ${JSON.stringify(action)} (generate or discover)`);
  return generate(dir, stdio, { kubeconfig: readableFileFlag('kubeconfig', values.kubeconfig, stdio.cwd), context: values.context });
}

async function discover(dir: string, stdio: Stdio): Promise<number> {
  // Unreadable or broken files are generate's business: discovery only answers "is this ours".
  const root = await repositoryRoot(stdio.cwd, stdio.env);
  if ('message' in root) return EXIT.ok;
  const read = await readDocuments([dir], { cwd: stdio.cwd, budget: new ReadBudget(), stdin: stdio.stdin, root });
  const found = read.documents.find((document) => isImagePullSecretLike(document.value) || isAcrPullBindingLike(document.value));
  if (found) stdio.stdout.write(`${found.origin.path}\n`);
  return EXIT.ok;
}

async function generate(dir: string, stdio: Stdio, target: LiveTarget): Promise<number> {
  const settings = argocdSettings(stdio.env);
  const root = await repositoryRoot(stdio.cwd, stdio.env);
  if ('message' in root) {
    stdio.stderr.write(`error: ${oneLine(root.message)}\n`);
    return EXIT.failed;
  }
  // One budget for the app directory and `files`: the sidecar's memory limit is for the whole run.
  const budget = new ReadBudget();
  // DIR comes from plugin.yaml (the operator); what is under it comes from the repository, so links may not leave it.
  const read = await readDocuments([dir], { cwd: stdio.cwd, budget, stdin: stdio.stdin, root });
  const redactor = new Redactor();
  const problems: Problem[] = [...settings.problems, ...read.problems];
  let output = '';
  if (!problems.some(isError)) {
    const documents = read.documents.filter((document) => isRecord(document.value));
    for (const { value, origin } of documents) {
      if (isRecord(value) && (typeof value['apiVersion'] !== 'string' || typeof value['kind'] !== 'string')) {
        problems.push({ severity: 'warning', file: origin, message: 'not a Kubernetes object (no apiVersion or kind); not printed' });
      }
    }
    // Only what a render may edit is held as a syntax tree; everything else passes through as the plain value it was
    // read as (a tree per object would cost several times the input, for the largest apps).
    const editable = documents.filter((document) => isRecord(document.value) && mayBeEdited(document.value));
    const doc = new Document(editable.map((document) => document.value));
    const items = doc.contents as YAMLSeq;
    const nodeOf = new Map<InputDocument, unknown>(editable.map((document, index) => [document, items.items[index]]));
    const processed = await processItems({
      doc,
      items,
      settings: settings.settings,
      cwd: stdio.cwd,
      root,
      filesField: settings.fields?.files,
      budget,
      documents,
      dependencies: { env: stdio.env, redactor, argoCd: true, target },
    });
    problems.push(...processed.problems);
    // In input order, each edited object as it is now (a Secret of ours no longer rendered is gone), then the new Secrets.
    const kept = new Set<unknown>(items.items);
    const original = new Set<unknown>(nodeOf.values());
    const values = documents.flatMap((document) => {
      const node = nodeOf.get(document);
      if (node === undefined) return [document.value];
      return kept.has(node) ? [toPlain(node)] : [];
    });
    const added = items.items.filter((node) => !original.has(node)).map(toPlain);
    const objects = [...values, ...added]
      .filter(isRecord)
      .filter((value) => emitted(value, settings.settings))
      .map(withoutOrchestratorAnnotations);
    output = toYamlStream(objects);
  }
  if (reportProblems(stdio.stderr, problems, redactor)) return EXIT.failed;
  stdio.stdout.write(output);
  return EXIT.ok;
}

/** Tool config never reaches the cluster; neither does our own input, unless the refresher is to read it. */
function emitted(value: Record<string, unknown>, settings: Settings): boolean {
  if (typeof value['apiVersion'] !== 'string' || typeof value['kind'] !== 'string') return false;
  if (/^(kustomize\.config\.k8s\.io|kpt\.dev|config\.kubernetes\.io)\//.test(value['apiVersion'])) return false;
  if (isLocalConfig(value)) return false;
  if (isImagePullSecretLike(value) || isAcrPullBindingLike(value)) return settings.output === 'shells';
  return true;
}

const ORCHESTRATOR_ANNOTATION = /^(internal\.config\.kubernetes\.io\/|config\.kubernetes\.io\/(path|index)$|config\.k8s\.io\/id$)/;

/** Path/index annotations only tell kpt where to write a file; as kustomize does, keep them out of the cluster. */
function withoutOrchestratorAnnotations(value: Record<string, unknown>): Record<string, unknown> {
  const metadata = isRecord(value['metadata']) ? value['metadata'] : undefined;
  const annotations = metadata && isRecord(metadata['annotations']) ? metadata['annotations'] : undefined;
  if (!metadata || !annotations) return value;
  const kept = Object.fromEntries(Object.entries(annotations).filter(([key]) => !ORCHESTRATOR_ANNOTATION.test(key)));
  const { annotations: _dropped, ...rest } = metadata;
  return { ...value, metadata: Object.keys(kept).length > 0 ? { ...rest, annotations: kept } : rest };
}

const toPlain = (node: unknown): unknown => (isNode(node) ? node.toJSON() : node);
