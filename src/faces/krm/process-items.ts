// The step every KRM-shaped face shares (fn, legacy kustomize plugin, Argo CD plugin): items in, the app layer's
// render, items out. Items are only edited when the whole render succeeded: a failed render leaves them as they were
// and adds no Secret, so an orchestrator that ignores our exit code still never applies half a result.
import type { Document, YAMLSeq } from 'yaml';
import { renderDocuments, type DocumentsRender, type RenderDependencies } from '../../app/render-documents.js';
import { inputRef } from '../../core/outcome.js';
import { isAcrPullBindingLike } from '../../app/select-bindings.js';
import { isImagePullSecretLike } from '../../app/select-inputs.js';
import { ownerLabelValue } from '../../core/contract.js';
import { isError, type Problem } from '../../core/problems.js';
import { isRecord } from '../../core/records.js';
import type { RepositoryCredentialManifest } from '../../core/repository-credentials.js';
import { readDocuments, type InputDocument } from '../../io/documents.js';
import type { InputRoot } from '../../io/input-files.js';
import type { ReadBudget } from '../../io/read-budget.js';
import { addPullSecret, fileOf, foreignClashes, itemsOf, mergeSecrets, metadataOf, type Item, type PatchKinds } from './items.js';
import type { Settings } from './settings.js';

export interface ProcessInput {
  /** Owns `items`; new nodes are created through it. */
  readonly doc: Document;
  readonly items: YAMLSeq;
  /** An ImagePullSecret or AcrPullBinding given outside the items (functionConfig, plugin config file). */
  readonly configImps?: Record<string, unknown> | undefined;
  readonly settings: Settings;
  /** Base of relative `files`. */
  readonly cwd: string;
  /** `files` may not leave it: the face's input root (docs/security.md). */
  readonly root: InputRoot;
  /** Where `files` was written (`ARGOCD_ENV_FILES`, `data.files`), for messages naming an entry. */
  readonly filesField?: string | undefined;
  /** The run's read budget, shared with the face's own reads. */
  readonly budget: ReadBudget;
  /**
   * Every input document of the render, in input order, when the face keeps most of them as plain values and only
   * the ones an edit may touch (`mayBeEdited`) as `items` (cmp generate); default: the items, origins from their path
   * annotations.
   */
  readonly documents?: readonly InputDocument[];
  readonly dependencies?: RenderDependencies;
}

export interface ProcessOutput {
  readonly problems: readonly Problem[];
  readonly render?: DocumentsRender;
}

const defaultOrigin = (item: Item, index: number): InputDocument['origin'] => fileOf(item.value) ?? { path: `<items[${index}]>`, index: 0 };

export async function processItems(input: ProcessInput): Promise<ProcessOutput> {
  const items = itemsOf(input.items);
  const documents: InputDocument[] = input.documents ? [...input.documents] : items.map((item, index) => ({ value: item.value, origin: defaultOrigin(item, index) }));
  const configImps = input.configImps;
  // kustomize hands a generator its config twice (functionConfig and a local-config item): render it once.
  if (configImps && !documents.some(({ value }) => (isImagePullSecretLike(value) || isAcrPullBindingLike(value)) && isRecord(value) && sameObject(value, configImps))) {
    documents.push({ value: configImps, origin: { path: '<functionConfig>', index: 0 } });
  }
  // Extra files feed input mode (Namespaces, source Secrets) but are not items: they are never written out.
  const extra = await readDocuments(input.settings.files ?? [], {
    cwd: input.cwd,
    budget: input.budget,
    root: input.root,
    field: input.filesField ?? 'files',
  });
  if (extra.problems.length > 0) return { problems: extra.problems };

  const render = await renderDocuments([...documents, ...extra.documents], input.settings, input.dependencies);
  const problems: Problem[] = [...render.problems];
  if (problems.some(isError)) return { problems, render };

  const owners = new Set(render.outcomes.map((outcome) => ownerLabelValue(outcome.input.imps.metadata.name)));
  for (const clash of foreignClashes(items, render.secrets, owners)) {
    const metadata = metadataOf(clash.value);
    problems.push({
      severity: 'error',
      resource: { apiVersion: 'v1', kind: 'Secret', name: String(metadata['name']), namespace: String(metadata['namespace']) },
      message: 'a Secret with this name is already among the items and is not managed by imps-krm; rename one of them',
    });
  }
  if (problems.some(isError)) return { problems, render };

  const kinds = new Set<PatchKinds>([
    ...(input.settings.patchServiceAccounts ? (['serviceAccounts'] as const) : []),
    ...(input.settings.patchWorkloads ? (['workloads'] as const) : []),
  ]);
  for (const outcome of render.outcomes) {
    const secretName = outcome.input.imps.spec.target.secret.name;
    const namespaces = new Set(outcome.secrets.map((secret) => secret.metadata.namespace));
    // spec.target.serviceAccounts: those names among the items, whether or not patchServiceAccounts is on.
    const serviceAccountNames = new Set(outcome.input.imps.spec.target.serviceAccounts ?? []);
    let patched = 0;
    if (kinds.size > 0 || serviceAccountNames.size > 0) {
      for (const item of items) if (addPullSecret(input.doc, item, secretName, namespaces, kinds, serviceAccountNames)) patched++;
    }
    problems.push({
      severity: 'info',
      resource: inputRef(outcome.input),
      message: `${summary(secretName, [...namespaces], patched)}${repositoryCredentialsSummary(outcome.repositoryCredentials, input.settings.output === 'shells', outcome.input.imps.spec.target.repositoryCredentials !== undefined)}`,
    });
  }
  mergeSecrets(input.doc, input.items, render.secrets, owners);
  return { problems, render };
}

function repositoryCredentialsSummary(secrets: readonly RepositoryCredentialManifest[], shells: boolean, asked: boolean): string {
  if (!asked) return '';
  if (shells) return '; repository credentials left to the controller';
  const namespaces = [...new Set(secrets.map((secret) => secret.metadata.namespace))];
  return `; ${secrets.length} repository credential Secret(s)${namespaces.length > 0 ? ` in ${namespaces.join(', ')}` : ''}`;
}

function sameObject(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return a['kind'] === b['kind'] && metadataOf(a)['name'] === metadataOf(b)['name'] && metadataOf(a)['namespace'] === metadataOf(b)['namespace'];
}

function summary(secretName: string, namespaces: readonly string[], patched: number): string {
  if (namespaces.length === 0) return `no namespace selected: Secret ${secretName} not rendered`;
  const where = `${namespaces.length} namespace(s): ${namespaces.join(', ')}`;
  return `Secret ${secretName} rendered in ${where}${patched > 0 ? `; added to imagePullSecrets of ${patched} item(s)` : ''}`;
}
