// Pure editing of KRM items held as `yaml` nodes. Items are edited in place (never re-serialised from plain
// objects) so that everything we do not own keeps its comments, key order, scalar styles and orchestrator
// annotations. No I/O here: the faces parse and write, this module decides what changes.
import { isMap, isNode, isScalar, isSeq, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import { MANAGED_BY, MANAGED_BY_LABEL, OWNER_LABEL } from '../../core/contract.js';
import type { RenderedSecret } from '../../core/repository-credentials.js';
import { planImagePullSecrets } from '../../core/service-accounts.js';
import { isRecord, stringMap } from '../../core/records.js';

export const LOCAL_CONFIG = 'config.kubernetes.io/local-config';
const PATH_KEYS = ['internal.config.kubernetes.io/path', 'config.kubernetes.io/path'] as const;
const INDEX_KEYS = ['internal.config.kubernetes.io/index', 'config.kubernetes.io/index'] as const;
/** Orchestrator bookkeeping: kept on a Secret we re-render, so kpt/kustomize still recognise the item. */
const BOOKKEEPING = /^(internal\.config\.kubernetes\.io|config\.kubernetes\.io|config\.k8s\.io|kustomize\.config\.k8s\.io)\//;

/** One item: its node (edited in place) and a plain copy to read from. */
export interface Item {
  readonly node: YAMLMap;
  readonly value: Record<string, unknown>;
}

export function itemsOf(seq: YAMLSeq | undefined): Item[] {
  const items: Item[] = [];
  for (const node of seq?.items ?? []) {
    if (!isMap(node)) continue;
    const value: unknown = node.toJSON();
    if (isRecord(value)) items.push({ node, value });
  }
  return items;
}

export function metadataOf(value: Record<string, unknown>): Record<string, unknown> {
  return isRecord(value['metadata']) ? value['metadata'] : {};
}

export const annotationsOf = (value: Record<string, unknown>): Record<string, string> => stringMap(metadataOf(value)['annotations']);
const labelsOf = (value: Record<string, unknown>): Record<string, string> => stringMap(metadataOf(value)['labels']);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Any value but "false" means "not applied", as kustomize and kpt read it. */
export function isLocalConfig(value: Record<string, unknown>): boolean {
  const flag = annotationsOf(value)[LOCAL_CONFIG];
  return flag !== undefined && flag !== 'false';
}

/** The file an item came from, as the orchestrator annotated it (internal form first, then legacy). */
export function fileOf(value: Record<string, unknown>): { path: string; index: number } | undefined {
  const annotations = annotationsOf(value);
  const path = PATH_KEYS.map((key) => annotations[key]).find(Boolean);
  if (!path) return undefined;
  const index = Number(INDEX_KEYS.map((key) => annotations[key]).find(Boolean) ?? '0');
  return { path, index: Number.isInteger(index) ? index : 0 };
}

const secretKey = (namespace: string | undefined, name: string | undefined): string => `${namespace ?? ''}/${name ?? ''}`;

function isSecret(value: Record<string, unknown>): boolean {
  return value['apiVersion'] === 'v1' && value['kind'] === 'Secret';
}

function isOwnedBy(value: Record<string, unknown>, owners: ReadonlySet<string>): boolean {
  const labels = labelsOf(value);
  return isSecret(value) && labels[MANAGED_BY_LABEL] === MANAGED_BY && owners.has(labels[OWNER_LABEL] ?? '');
}

/** Items that share a namespace/name with a rendered Secret but are not ours: overwriting them would lose data. */
export function foreignClashes(items: readonly Item[], secrets: readonly RenderedSecret[], owners: ReadonlySet<string>): Item[] {
  const rendered = new Set(secrets.map((secret) => secretKey(secret.metadata.namespace, secret.metadata.name)));
  return items.filter(({ value }) => {
    const metadata = metadataOf(value);
    return isSecret(value) && rendered.has(secretKey(str(metadata['namespace']), str(metadata['name']))) && !isOwnedBy(value, owners);
  });
}

/**
 * Puts the rendered Secrets among the items:
 * - a Secret we rendered earlier (same owner label, same namespace/name) is replaced where it stands, keeping its
 *   orchestrator annotations, so `kpt fn render` twice gives the same package;
 * - a Secret we rendered earlier for one of these owners that is no longer rendered is dropped (its namespace is no
 *   longer targeted; under kpt this deletes its file);
 * - every other item is left exactly as it is; new Secrets are appended with path and index annotations.
 * `owners` are the owner label values of the ImagePullSecrets rendered in this run.
 */
export function mergeSecrets(doc: Document, seq: YAMLSeq, secrets: readonly RenderedSecret[], owners: ReadonlySet<string>): void {
  const byKey = new Map(secrets.map((secret) => [secretKey(secret.metadata.namespace, secret.metadata.name), secret]));
  const kept: unknown[] = [];
  for (const node of seq.items) {
    const value: unknown = isMap(node) ? node.toJSON() : undefined;
    if (!isRecord(value) || !isOwnedBy(value, owners)) {
      kept.push(node);
      continue;
    }
    const metadata = metadataOf(value);
    const key = secretKey(str(metadata['namespace']), str(metadata['name']));
    const secret = byKey.get(key);
    if (!secret) continue;
    byKey.delete(key);
    const bookkeeping = Object.fromEntries(Object.entries(annotationsOf(value)).filter(([name]) => BOOKKEEPING.test(name)));
    // Same node, new content: the item keeps its place and leading comment in the written text.
    const replacement = doc.createNode(withAnnotations(secret, bookkeeping));
    if (isMap(node)) node.items = replacement.items;
    kept.push(node);
  }
  seq.items = kept;
  const taken = new Set(itemsOf(seq).map(({ value }) => fileOf(value)).filter((file) => file !== undefined).map(fileKey));
  for (const secret of byKey.values()) {
    const path = freePath(secret, taken);
    taken.add(fileKey({ path, index: 0 }));
    seq.items.push(doc.createNode(withAnnotations(secret, fileAnnotations(path))));
  }
}

const fileKey = (file: { path: string; index: number }): string => `${file.path}#${file.index}`;

/** kpt's default layout for new objects (`<namespace>/<kind>_<name>.yaml`), made unique if a file is taken. */
export function freePath(secret: RenderedSecret, taken: ReadonlySet<string>): string {
  const base = `${secret.metadata.namespace}/secret_${secret.metadata.name}`;
  let path = `${base}.yaml`;
  for (let n = 2; taken.has(fileKey({ path, index: 0 })); n++) path = `${base}-${n}.yaml`;
  return path;
}

/** Both forms, equal: kyaml rejects a legacy/internal pair that disagree. */
export function fileAnnotations(path: string): Record<string, string> {
  return {
    [PATH_KEYS[0]]: path,
    [PATH_KEYS[1]]: path,
    [INDEX_KEYS[0]]: '0',
    [INDEX_KEYS[1]]: '0',
  };
}

function withAnnotations(secret: RenderedSecret, extra: Record<string, string>): RenderedSecret {
  const annotations = { ...secret.metadata.annotations, ...extra };
  return { ...secret, metadata: { ...secret.metadata, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) } };
}

/** Where the imagePullSecrets list lives for each kind we patch (`[]` = at the top, as on ServiceAccounts). */
const POD_SPEC_PATHS: Readonly<Record<string, { readonly group: RegExp; readonly path: readonly string[] }>> = {
  ServiceAccount: { group: /^v1$/, path: [] },
  Pod: { group: /^v1$/, path: ['spec'] },
  Deployment: { group: /^apps\//, path: ['spec', 'template', 'spec'] },
  StatefulSet: { group: /^apps\//, path: ['spec', 'template', 'spec'] },
  DaemonSet: { group: /^apps\//, path: ['spec', 'template', 'spec'] },
  ReplicaSet: { group: /^apps\//, path: ['spec', 'template', 'spec'] },
  Job: { group: /^batch\//, path: ['spec', 'template', 'spec'] },
  CronJob: { group: /^batch\//, path: ['spec', 'jobTemplate', 'spec', 'template', 'spec'] },
};

export type PatchKinds = 'serviceAccounts' | 'workloads';

/**
 * Whether a render may change this object: a Secret (ours is replaced or dropped, another's may clash), a
 * ServiceAccount or a Pod-bearing kind (imagePullSecrets added). A face may keep every other object as a plain value
 * and pass it through untouched, instead of holding a syntax tree for it.
 */
export function mayBeEdited(value: Record<string, unknown>): boolean {
  if (isSecret(value)) return true;
  const entry = POD_SPEC_PATHS[str(value['kind']) ?? ''];
  return entry !== undefined && entry.group.test(str(value['apiVersion']) ?? '');
}

/**
 * The map that holds `imagePullSecrets` for this item, when it is a kind we patch and has that map.
 * `serviceAccountNames` (`spec.target.serviceAccounts`) adds the ServiceAccounts of those names even when the
 * `patchServiceAccounts` setting is off.
 */
function pullSecretHolder(item: Item, kinds: ReadonlySet<PatchKinds>, serviceAccountNames: ReadonlySet<string>): YAMLMap | undefined {
  const kind = str(item.value['kind']) ?? '';
  const entry = POD_SPEC_PATHS[kind];
  if (!entry || !entry.group.test(str(item.value['apiVersion']) ?? '')) return undefined;
  const named = kind === 'ServiceAccount' && serviceAccountNames.has(str(metadataOf(item.value)['name']) ?? '');
  if (!named && !kinds.has(kind === 'ServiceAccount' ? 'serviceAccounts' : 'workloads')) return undefined;
  // Never invent a Pod spec: a workload without one is not ours to fix.
  const holder = entry.path.length === 0 ? item.node : item.node.getIn(entry.path, true);
  return isMap(holder) ? holder : undefined;
}

/**
 * Adds `{name: secretName}` to the item's imagePullSecrets (ServiceAccount, or the Pod spec of a Pod or workload)
 * when the item lives in one of `namespaces`, through the core planner the controller uses too: an entry already
 * listed is not added again (a second copy of it goes), every other entry keeps its place, and each kept entry
 * keeps its node (comments, flow or block style). Returns whether the item changed.
 *
 * Nothing is ever removed for being "no longer wanted": a render starts from the sources, which never hold our
 * entries (kustomize, Argo CD), so there is nothing of ours to clean up, and an entry in the sources is the user's.
 */
export function addPullSecret(
  doc: Document,
  item: Item,
  secretName: string,
  namespaces: ReadonlySet<string>,
  kinds: ReadonlySet<PatchKinds>,
  serviceAccountNames: ReadonlySet<string> = new Set(),
): boolean {
  const namespace = str(metadataOf(item.value)['namespace']);
  if (namespace === undefined || !namespaces.has(namespace)) return false;
  const holder = pullSecretHolder(item, kinds, serviceAccountNames);
  if (!holder) return false;
  const list: unknown = holder.get('imagePullSecrets', true);
  if (isSeq(list)) {
    const entries: unknown[] = list.items.map((node) => (isNode(node) ? node.toJSON() : node));
    const plan = planImagePullSecrets(entries, [secretName], () => false);
    if (!plan.changed) return false;
    // The planner hands back the entries it keeps as the same values: map each back to its own node.
    const nodes = new Map<unknown, unknown[]>();
    entries.forEach((entry, index) => nodes.set(entry, [...(nodes.get(entry) ?? []), list.items[index]]));
    list.items = plan.imagePullSecrets.map((entry) => nodes.get(entry)?.shift() ?? doc.createNode(entry));
    return true;
  }
  if (list !== undefined && !(isScalar(list) && list.value === null)) return false; // not a list: leave it for kubectl to reject
  holder.set('imagePullSecrets', doc.createNode([{ name: secretName }]));
  return true;
}

/**
 * Removes kustomize's copy of a generator's own config from the items: the ImagePullSecret given as
 * functionConfig, marked local-config and carrying no path (kpt items always carry one, and kpt deletes the file of
 * an item that goes missing). Echoed back, the copy would clash with the same file listed under `resources:`
 * ("id ... exists; behavior must be merge or replace"), which is how the ImagePullSecret reaches the cluster for
 * `output: shells`.
 */
export function dropGeneratorCopy(seq: YAMLSeq, config: Record<string, unknown>): void {
  const name = metadataOf(config)['name'];
  seq.items = seq.items.filter((node) => {
    const value: unknown = isMap(node) ? node.toJSON() : undefined;
    if (!isRecord(value)) return true;
    const copy = value['apiVersion'] === config['apiVersion'] && value['kind'] === config['kind'] && metadataOf(value)['name'] === name;
    return !(copy && isLocalConfig(value) && fileOf(value) === undefined);
  });
}
