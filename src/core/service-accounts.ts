import { ADDED_PULL_SECRETS_ANNOTATION, PULL_SECRETS_PATCHED_LABEL } from './contract.js';

/**
 * ServiceAccount `imagePullSecrets` upkeep (msi-acrpull parity), pure: faces decide how to write the result (an edited
 * ServiceAccount among KRM items, or a live merge patch with a resourceVersion precondition).
 *
 * Rules: entries that are not ours stay exactly as they are, where they are; our entries that are still wanted keep
 * their place; newly wanted names are appended in the order given; our entries no longer wanted are removed; no
 * name of ours appears twice, and a wanted name already listed (by anyone) is not added again.
 */

export interface LocalObjectReference {
  readonly name: string;
}

export interface ImagePullSecretsPlan {
  /** The full list to write. Unrelated entries are copied as they were, even malformed ones. */
  readonly imagePullSecrets: readonly unknown[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: boolean;
}

/**
 * @param current the ServiceAccount's `imagePullSecrets` as read (anything: it is checked, not trusted)
 * @param wanted  Secret names that should be listed (ours, targeting this ServiceAccount)
 * @param isOurs  true for every Secret name we manage in this namespace, wanted or not (e.g. every name labelled
 *                `app.kubernetes.io/managed-by: imps-krm` here); only such entries are ever removed
 */
export function planImagePullSecrets(
  current: unknown,
  wanted: readonly string[],
  isOurs: (name: string) => boolean,
): ImagePullSecretsPlan {
  const entries = Array.isArray(current) ? current : [];
  const want = new Set(wanted);
  const kept: unknown[] = [];
  const present = new Set<string>();
  const removed: string[] = [];
  for (const entry of entries) {
    const name = nameOf(entry);
    const ours = name !== undefined && (want.has(name) || isOurs(name));
    if (!ours) {
      kept.push(entry);
      if (name !== undefined) present.add(name);
      continue;
    }
    if (!want.has(name) || present.has(name)) {
      removed.push(name);
      continue;
    }
    kept.push(entry);
    present.add(name);
  }
  const added: string[] = [];
  for (const name of wanted) {
    if (present.has(name)) continue;
    kept.push({ name } satisfies LocalObjectReference);
    present.add(name);
    added.push(name);
  }
  return { imagePullSecrets: kept, added, removed, changed: added.length > 0 || removed.length > 0 };
}

/** A copy of the ServiceAccount with the planned list; an empty list is dropped rather than written as `[]`. */
export function withImagePullSecrets<T extends { readonly imagePullSecrets?: unknown }>(serviceAccount: T, plan: ImagePullSecretsPlan): T {
  const { imagePullSecrets: _old, ...rest } = serviceAccount;
  return (plan.imagePullSecrets.length > 0 ? { ...rest, imagePullSecrets: plan.imagePullSecrets } : rest) as T;
}

/**
 * A JSON merge patch (`application/merge-patch+json`) for a live ServiceAccount, or undefined when nothing changes.
 * Merge patches replace lists whole, so the resourceVersion makes the API server refuse (409) a write based on a
 * stale read instead of dropping an entry someone else just added: re-read and re-plan on conflict.
 */
export function imagePullSecretsMergePatch(
  serviceAccount: { readonly metadata?: { readonly resourceVersion?: string | undefined } | undefined },
  plan: ImagePullSecretsPlan,
): Record<string, unknown> | undefined {
  if (!plan.changed) return undefined;
  const resourceVersion = serviceAccount.metadata?.resourceVersion;
  return {
    ...(resourceVersion ? { metadata: { resourceVersion } } : {}),
    imagePullSecrets: plan.imagePullSecrets.length > 0 ? plan.imagePullSecrets : null,
  };
}

function nameOf(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const name = (entry as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** `<ImagePullSecret>/<Secret>` pairs from the ADDED_PULL_SECRETS_ANNOTATION value; malformed parts are ignored. */
export function parseAddedPullSecrets(value: string | undefined): Map<string, Set<string>> {
  const added = new Map<string, Set<string>>();
  for (const part of (value ?? '').split(',')) {
    const slash = part.indexOf('/');
    const owner = part.slice(0, slash).trim();
    const secret = part.slice(slash + 1).trim();
    if (slash <= 0 || secret === '' || secret.includes('/')) continue;
    const names = added.get(owner) ?? new Set<string>();
    names.add(secret);
    added.set(owner, names);
  }
  return added;
}

/** The annotation value, sorted (same record, same bytes), or undefined when nothing is recorded. */
export function formatAddedPullSecrets(added: ReadonlyMap<string, ReadonlySet<string>>): string | undefined {
  const pairs = [...added].flatMap(([owner, names]) => [...names].map((name) => `${owner}/${name}`)).sort();
  return pairs.length > 0 ? pairs.join(',') : undefined;
}

/**
 * One owner's upkeep of a ServiceAccount whose adds are recorded (the controller's case): plans the list with
 * `isOurs` = "recorded for this owner", then records what this owner now holds there: the wanted names it had
 * recorded or just added. A wanted name someone else listed first is left unrecorded, so it is never removed.
 */
export function planRecordedImagePullSecrets(
  current: unknown,
  recordValue: string | undefined,
  owner: string,
  wanted: readonly string[],
  claim: readonly string[] = [],
): { plan: ImagePullSecretsPlan; record: string | undefined; recordChanged: boolean } {
  const record = parseAddedPullSecrets(recordValue);
  const mine = record.get(owner) ?? new Set<string>();
  const plan = planImagePullSecrets(current, wanted, (name) => mine.has(name));
  const listed = new Set(plan.imagePullSecrets.map(nameOf).filter((name): name is string => name !== undefined));
  const next = new Set([...wanted].filter((name) => listed.has(name) && (mine.has(name) || plan.added.includes(name))));
  // Taken over: recorded as ours from now on, and so removable on a later pass (never in the same patch, which the
  // admission policy would refuse: an entry leaves only when the record held it before).
  for (const name of claim) if (listed.has(name)) next.add(name);
  if (next.size > 0) record.set(owner, next);
  else record.delete(owner);
  const formatted = formatAddedPullSecrets(record);
  return { plan, record: formatted, recordChanged: formatted !== (recordValue || undefined) };
}

/** What one or more owners want listed on one ServiceAccount. */
export interface OwnerEntries {
  readonly owner: string;
  readonly wanted: readonly string[];
  /**
   * Entries to take over when listed but not recorded: an AcrPullBinding's Secret name, listed by msi-acrpull, which
   * the binding's controller (now us) removes when the binding goes. Recorded first, removed on a later pass.
   */
  readonly claim?: readonly string[] | undefined;
}

/** A merge patch of one ServiceAccount, and what it changes; undefined when nothing changes. */
export interface ServiceAccountPatch {
  readonly patch: Record<string, unknown>;
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/**
 * The live merge patch that gives each owner exactly its `wanted` entries on a ServiceAccount (recorded ones only are
 * ever removed), with the record annotation and the marker label kept in step, and the resourceVersion read as a
 * precondition: lists are replaced whole, so a write based on a stale read must fail (409) rather than drop an entry.
 * Several owners (the sweep after ImagePullSecrets were deleted) are planned one after the other into one patch.
 */
export function serviceAccountPatch(
  serviceAccount: { readonly resourceVersion: string; readonly imagePullSecrets: readonly unknown[]; readonly added: string | undefined },
  entries: readonly OwnerEntries[],
): ServiceAccountPatch | undefined {
  let list: readonly unknown[] = serviceAccount.imagePullSecrets;
  let record = serviceAccount.added || undefined;
  const added: string[] = [];
  const removed: string[] = [];
  for (const { owner, wanted, claim } of entries) {
    const next = planRecordedImagePullSecrets(list, record, owner, wanted, claim);
    list = next.plan.imagePullSecrets;
    record = next.record;
    added.push(...next.plan.added);
    removed.push(...next.plan.removed);
  }
  const listChanged = added.length > 0 || removed.length > 0;
  if (!listChanged && record === (serviceAccount.added || undefined)) return undefined;
  return {
    patch: {
      metadata: {
        resourceVersion: serviceAccount.resourceVersion,
        labels: { [PULL_SECRETS_PATCHED_LABEL]: record === undefined ? null : 'true' },
        annotations: { [ADDED_PULL_SECRETS_ANNOTATION]: record ?? null },
      },
      ...(listChanged ? { imagePullSecrets: list.length > 0 ? list : null } : {}),
    },
    added,
    removed,
  };
}
