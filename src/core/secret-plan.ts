import { EXPIRES_AT_ANNOTATION, OWNER_LABEL, shellOwner } from './contract.js';
import type { SecretFacts, ServiceAccountFacts } from './facts.js';
import { isRepositoryCredential, type RenderedSecret } from './repository-credentials.js';
import {
  holderOf,
  IMPS_LAST_APPLIED_ANNOTATION,
  impsOwnerUids,
  isImpsSecretOf,
  isOursFor,
  managersOf,
  ownerKindOf,
  type PlanOwner,
  type SecretRefusalReason,
} from './secret-ownership.js';
import { MSI_ACRPULL_TOKEN_ANNOTATIONS } from './acr-pull-binding.js';
import { parseAddedPullSecrets, serviceAccountPatch, type OwnerEntries } from './service-accounts.js';

// The controller's decisions, pure: what one ImagePullSecret's render (its outcome) and the cached Secrets and
// ServiceAccounts call for, as a list of actions. Nothing here reads or writes; the executor applies the list, in
// order, and is the only code that writes. Shaped after Azure/msi-acrpull's controller, whose reconcile computes
// an action from the cluster state before applying it (internal/controller/acrpullbinding_controller.go); not copied.

export type { PlanOwner } from './secret-ownership.js';

/** A rendered Secret and the digest of its data (computed by the caller, who has a hash function). */
export interface DesiredSecret {
  readonly manifest: RenderedSecret;
  readonly dataHash: string;
}

/** What fills a shell: the rendered payload, the same in every namespace. */
export interface ShellPayload {
  readonly data: Readonly<Record<string, string>>;
  readonly dataHash: string;
  /** EXPIRES_AT_ANNOTATION's value; undefined when nothing expires. */
  readonly expiresAt: string | undefined;
}

export interface SecretPlanInput {
  readonly owner: PlanOwner;
  /** spec.target.secret.name */
  readonly target: string;
  /** spec.target.serviceAccounts */
  readonly serviceAccounts: readonly string[];
  /** A source failed or two sources clash: nothing is written, ServiceAccounts stay as they are. */
  readonly failed: boolean;
  /** Selected namespaces every source allows: where the Secret belongs. */
  readonly selected: readonly string[];
  /** Selected namespaces some source does not allow (they get no Secret). */
  readonly denied: readonly string[];
  /** One per namespace of `selected`, unless `failed`. */
  readonly desired: readonly DesiredSecret[];
  /**
   * The repository credential Secrets (spec.target.repositoryCredentials), each at its own namespace and name; empty
   * when `failed`. Undefined: the caller does not plan them, and none is created or deleted.
   */
  readonly repositoryCredentials?: readonly DesiredSecret[] | undefined;
  /** Namespaces of the extension some source does not allow: their repository credentials go (`not-allowed`). */
  readonly deniedRepositoryNamespaces?: readonly string[] | undefined;
  /** What shells naming this ImagePullSecret are filled with; undefined when there is nothing to fill them with. */
  readonly shellPayload?: ShellPayload | undefined;
  /** Why a shell's namespace may not receive this ImagePullSecret's logins (consent); empty when allowed. */
  readonly shellDenials: (namespace: string) => readonly string[];
  /** Every cached Secret that may concern it: ours, shells, and whatever sits at its target name. */
  readonly secrets: readonly SecretFacts[];
  /** Every cached ServiceAccount that may concern it: the ones named by `serviceAccounts`, the ones we patched. */
  readonly serviceAccountFacts: readonly ServiceAccountFacts[];
}

export type MergePatch = Readonly<Record<string, unknown>>;

/** A Secret as created: the rendered manifest and its owner reference (garbage collection). */
export interface SecretObject {
  readonly apiVersion: 'v1';
  readonly kind: 'Secret';
  readonly metadata: RenderedSecret['metadata'] & { readonly ownerReferences?: readonly Record<string, unknown>[] };
  readonly type: string;
  readonly data?: Readonly<Record<string, string>>;
}

/** Why a Secret is deleted: said in the log line. */
export type DeletionCause = 'deselected' | 'renamed' | 'not-allowed' | 'orphaned' | 'dropped';

/**
 * What a Secret action is about: the target pull Secret (absent) or a repository credential. Only the former counts
 * for the status's managedNamespaces and holds back ServiceAccount patches when it cannot be written.
 */
export type SecretRole = 'repository-credential';

/** Refusals of the controller's own: something else holds the Secret, or a source does not allow a shell's namespace. */
export type RefusalReason = SecretRefusalReason | 'source-consent';

export type SecretAction =
  | { readonly kind: 'create'; readonly namespace: string; readonly name: string; readonly object: SecretObject; readonly role?: SecretRole | undefined }
  | {
      readonly kind: 'patch';
      readonly namespace: string;
      readonly name: string;
      readonly patch: MergePatch;
      readonly changed: readonly string[];
      readonly role?: SecretRole | undefined;
    }
  | { readonly kind: 'adopt'; readonly namespace: string; readonly name: string; readonly patch: MergePatch; readonly from: string; readonly role?: SecretRole | undefined }
  | { readonly kind: 'fill-shell'; readonly namespace: string; readonly name: string; readonly patch: MergePatch }
  | {
      readonly kind: 'refuse';
      readonly namespace: string;
      readonly name: string;
      readonly reason: RefusalReason;
      readonly message: string;
      /** What was refused: writing the target (default), or deleting a Secret IMPS would have deleted. */
      readonly operation?: 'delete' | undefined;
      readonly role?: SecretRole | undefined;
    }
  | {
      readonly kind: 'delete';
      readonly namespace: string;
      readonly name: string;
      readonly uid: string;
      readonly resourceVersion: string;
      readonly cause: DeletionCause;
      /**
       * The IMPS controller's Secret, deleted where IMPS itself would have deleted it. Like IMPS, only after every
       * write of the pass succeeded (banzaicloud/imps controllers/imagepullsecret_reconciler.go): skipped otherwise.
       */
      readonly imps?: boolean | undefined;
      readonly role?: SecretRole | undefined;
    }
  | {
      readonly kind: 'patch-service-account';
      readonly namespace: string;
      readonly name: string;
      /** The ImagePullSecrets whose entries this patch keeps, and the Secret names each wants listed. */
      readonly entries: readonly OwnerEntries[];
      readonly patch: MergePatch;
      readonly added: readonly string[];
      readonly removed: readonly string[];
    };

export type SecretActionKind = SecretAction['kind'];

export interface SecretPlan {
  /** In the order to apply: target Secrets, repository credentials, shells, ServiceAccounts, deletions. */
  readonly actions: readonly SecretAction[];
  /** Target Secrets and shells that already hold what they should: nothing to write (repository credentials not listed). */
  readonly current: readonly { readonly namespace: string; readonly name: string }[];
}

const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;
const byKey = (a: { namespace: string; name: string }, b: { namespace: string; name: string }): number => {
  const x = keyOf(a.namespace, a.name);
  const y = keyOf(b.namespace, b.name);
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * The owner reference on every Secret we write: the garbage collector removes them with the ImagePullSecret. A
 * binding's is msi-acrpull's own (ctrl.SetControllerReference: controller and blockOwnerDeletion), so an adopted
 * Secret keeps its reference unchanged and a rollback finds what it wrote.
 */
export function ownerReference(owner: PlanOwner): Record<string, unknown> {
  if (owner.binding) return { apiVersion: owner.apiVersion, kind: ownerKindOf(owner), name: owner.binding.name, uid: owner.uid, controller: true, blockOwnerDeletion: true };
  return { apiVersion: owner.apiVersion, kind: 'ImagePullSecret', name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: false };
}

export function planSecrets(input: SecretPlanInput): SecretPlan {
  const { owner } = input;
  const index = new Map(input.secrets.map((secret) => [keyOf(secret.namespace, secret.name), secret]));
  const targets: SecretAction[] = [];
  const current: { namespace: string; name: string }[] = [];
  // Namespaces whose target we will not write: their ServiceAccounts are left as they are.
  const held = new Set<string>();

  for (const desired of input.desired) {
    const { namespace, name } = desired.manifest.metadata;
    const existing = index.get(keyOf(namespace, name));
    if (!existing) {
      targets.push({ kind: 'create', namespace, name, object: created(desired, owner) });
      continue;
    }
    const holder = holderOf(existing, owner, desired.manifest.metadata);
    if (holder.kind === 'shell' && holder.of === owner.name) continue; // filled below, with every shell naming it
    if (holder.kind === 'shell') {
      held.add(namespace);
      targets.push({ kind: 'refuse', namespace, name, reason: 'other-imagepullsecret', message: `a shell filled by ImagePullSecret ${holder.of}; not overwriting it` });
    } else if (holder.kind === 'refused') {
      held.add(namespace);
      targets.push({ kind: 'refuse', namespace, name, reason: holder.reason, message: holder.message });
    } else {
      const { patch, changed } = contentPatch(existing, desired, owner);
      if (holder.kind === 'adoptable') targets.push({ kind: 'adopt', namespace, name, patch, from: holder.from });
      else if (changed.length > 0) targets.push({ kind: 'patch', namespace, name, patch, changed });
      else current.push({ namespace, name });
    }
  }

  const repository = planRepositoryCredentials(input, index);

  const shells: SecretAction[] = [];
  const payload = input.shellPayload;
  if (!input.failed) {
    for (const shell of input.secrets.filter((secret) => shellOwner(secret.annotations) === owner.name).sort(byKey)) {
      const { namespace, name } = shell;
      const reasons = input.shellDenials(namespace);
      if (reasons.length > 0) {
        shells.push({ kind: 'refuse', namespace, name, reason: 'source-consent', message: `shell ${namespace}/${name} not filled: ${reasons.join('; ')}` });
      } else if (!payload) {
        continue;
      } else if (shell.dataHash === payload.dataHash && shell.annotations[EXPIRES_AT_ANNOTATION] === payload.expiresAt) {
        // The type is not compared: it cannot change, and comparing it would patch a mistyped shell forever.
        current.push({ namespace, name });
      } else {
        // Only data and the expiry: labels, annotations and ownership stay as the GitOps tool applied them.
        const patch = {
          metadata: { resourceVersion: shell.resourceVersion, annotations: { [EXPIRES_AT_ANNOTATION]: payload.expiresAt ?? null } },
          data: payload.data,
        };
        shells.push({ kind: 'fill-shell', namespace, name, patch });
      }
    }
  }

  // After the Secrets (an entry names a Secret that exists) and before the deletions (never one that is gone), and
  // only after a render where no source failed: a failed one renders nothing, so its entries stay as they are.
  const accounts = input.failed ? [] : planServiceAccounts(input, held);

  const selected = new Set(input.selected);
  const denied = new Set(input.denied);
  const unwanted = (secret: SecretFacts): boolean => !(selected.has(secret.namespace) && secret.name === input.target);
  const cause = (secret: SecretFacts): DeletionCause => (secret.name !== input.target ? 'renamed' : denied.has(secret.namespace) ? 'not-allowed' : 'deselected');
  const deletions: SecretAction[] = [];
  const repositoryKeys = new Set((input.repositoryCredentials ?? []).map(({ manifest }) => keyOf(manifest.metadata.namespace, manifest.metadata.name)));
  const deniedRepository = new Set(input.deniedRepositoryNamespaces ?? []);
  for (const secret of [...input.secrets].sort(byKey)) {
    const at = { namespace: secret.namespace, name: secret.name };
    // Where a repository credential belongs, its own plan decided (written or refused): never deleted here.
    if (repositoryKeys.has(keyOf(secret.namespace, secret.name))) continue;
    if (isOursFor(secret, owner.uid, owner) && isOurRepositoryCredential(secret)) {
      // Gone from the render: dropped from the spec, its registry gone from the sources, its namespace no longer
      // allowed. Unknown when the render failed or the caller plans none: kept.
      if (input.failed || input.repositoryCredentials === undefined) continue;
      const why = deniedRepository.has(secret.namespace) ? 'not-allowed' : 'dropped';
      deletions.push({ kind: 'delete', ...at, uid: secret.uid, resourceVersion: secret.resourceVersion, cause: why, role: 'repository-credential' });
    } else if (isOursFor(secret, owner.uid, owner) && unwanted(secret)) {
      deletions.push({ kind: 'delete', ...at, uid: secret.uid, resourceVersion: secret.resourceVersion, cause: cause(secret) });
    } else if (!input.failed && secret.labels[OWNER_LABEL] === undefined && isImpsSecretOf(secret, owner.uid) && unwanted(secret)) {
      // What IMPS itself would delete: its Secret of this ImagePullSecret under an old name or where the namespace
      // is no longer selected. Unless another tool has taken it over since.
      // adoptFrom lets us write over another tool's Secret, never delete it.
      const manager = managersOf(secret)[0];
      if (manager) {
        const reason = ({ ArgoCD: 'argocd', Helm: 'helm', Flux: 'flux' } as const)[manager];
        deletions.push({ kind: 'refuse', ...at, reason, operation: 'delete', message: `left by IMPS and no longer wanted, but ${manager} manages it now; not deleting it` });
      } else {
        deletions.push({ kind: 'delete', ...at, uid: secret.uid, resourceVersion: secret.resourceVersion, cause: cause(secret), imps: true });
      }
    }
  }

  return { actions: [...targets, ...repository, ...shells, ...accounts, ...deletions], current };
}

/** Ours, and not a pull Secret: the Opaque Secrets of the extension (a pull Secret is never Opaque). */
const isOurRepositoryCredential = (secret: SecretFacts): boolean => secret.type !== 'kubernetes.io/dockerconfigjson' && isRepositoryCredential(secret.labels);

/**
 * Each repository credential is written like a target Secret, at its own namespace and name: created, patched when
 * it differs, refused when something else holds that name. A shell there (a pull Secret's) is not one to fill.
 */
function planRepositoryCredentials(input: SecretPlanInput, index: ReadonlyMap<string, SecretFacts>): SecretAction[] {
  const { owner } = input;
  const role = 'repository-credential' as const;
  const actions: SecretAction[] = [];
  for (const desired of input.failed ? [] : (input.repositoryCredentials ?? [])) {
    const { namespace, name } = desired.manifest.metadata;
    const existing = index.get(keyOf(namespace, name));
    if (!existing) {
      actions.push({ kind: 'create', namespace, name, object: created(desired, owner), role });
      continue;
    }
    const holder = holderOf(existing, owner, { ...desired.manifest.metadata, type: desired.manifest.type });
    if (holder.kind === 'shell') {
      actions.push({ kind: 'refuse', namespace, name, reason: 'wrong-type', message: `a pull Secret shell of ImagePullSecret ${holder.of}, where a repository credential belongs; not overwriting it`, role });
    } else if (holder.kind === 'refused') {
      actions.push({ kind: 'refuse', namespace, name, reason: holder.reason, message: holder.message, role });
    } else if (existing.type !== desired.manifest.type) {
      actions.push({ kind: 'refuse', namespace, name, reason: 'wrong-type', message: `of type ${existing.type}, which cannot change in place; not overwriting it`, role });
    } else {
      const { patch, changed } = contentPatch(existing, desired, owner);
      if (holder.kind === 'adoptable') actions.push({ kind: 'adopt', namespace, name, patch, from: holder.from, role });
      else if (changed.length > 0) actions.push({ kind: 'patch', namespace, name, patch, changed, role });
    }
  }
  return actions;
}

/** Adds the target to the named ServiceAccounts of selected namespaces, and removes this CR's entries elsewhere. */
function planServiceAccounts(input: SecretPlanInput, held: ReadonlySet<string>): SecretAction[] {
  const owner = input.owner.name;
  const names = new Set(input.serviceAccounts);
  const selected = new Set(input.selected);
  const candidates = new Map<string, ServiceAccountFacts>();
  for (const sa of input.serviceAccountFacts) {
    const named = names.has(sa.name) && selected.has(sa.namespace);
    if (named || parseAddedPullSecrets(sa.added).has(owner)) candidates.set(keyOf(sa.namespace, sa.name), sa);
  }
  const actions: SecretAction[] = [];
  for (const sa of [...candidates.values()].sort(byKey)) {
    if (held.has(sa.namespace)) continue;
    const wanted = selected.has(sa.namespace) && names.has(sa.name) ? [input.target] : [];
    // A binding's entry in its ServiceAccount, listed by msi-acrpull, is the binding's: taken over with the Secret.
    const claim = input.owner.binding && selected.has(sa.namespace) && names.has(sa.name) ? [input.target] : undefined;
    const entries = [{ owner, wanted, ...(claim ? { claim } : {}) }];
    const change = serviceAccountPatch(sa, entries);
    if (change) actions.push({ kind: 'patch-service-account', namespace: sa.namespace, name: sa.name, entries, ...change });
  }
  return actions;
}

/** Deletes the Secrets we created for ImagePullSecrets that no longer exist (deleted, possibly while we were down). */
export function planOrphanSweep(secrets: readonly SecretFacts[], liveUids: ReadonlySet<string>): SecretAction[] {
  // Only Secrets with our label and an ImagePullSecret owner reference qualify: a rendered Secret applied by GitOps
  // carries the label but no owner reference, and an IMPS Secret the reference but not our label (the garbage
  // collector's to delete).
  return secrets
    .filter((secret) => {
      const uids = impsOwnerUids(secret);
      return secret.labels[OWNER_LABEL] !== undefined && uids.length > 0 && !uids.some((uid) => liveUids.has(uid)) && shellOwner(secret.annotations) === undefined;
    })
    .sort(byKey)
    .map((secret) => ({ kind: 'delete', namespace: secret.namespace, name: secret.name, uid: secret.uid, resourceVersion: secret.resourceVersion, cause: 'orphaned' }));
}

/** Removes the ServiceAccount entries recorded for ImagePullSecrets that no longer exist: one patch per ServiceAccount. */
export function planServiceAccountSweep(serviceAccounts: readonly ServiceAccountFacts[], liveNames: ReadonlySet<string>): SecretAction[] {
  const actions: SecretAction[] = [];
  for (const sa of [...serviceAccounts].sort(byKey)) {
    const entries = [...parseAddedPullSecrets(sa.added).keys()].filter((owner) => !liveNames.has(owner)).sort().map((owner) => ({ owner, wanted: [] }));
    const change = entries.length > 0 ? serviceAccountPatch(sa, entries) : undefined;
    if (change) actions.push({ kind: 'patch-service-account', namespace: sa.namespace, name: sa.name, entries, ...change });
  }
  return actions;
}

function created(desired: DesiredSecret, owner: PlanOwner): SecretObject {
  const { manifest } = desired;
  return {
    ...manifest,
    metadata: { ...manifest.metadata, ...(owner.uid ? { ownerReferences: [ownerReference(owner)] } : {}) },
  };
}

/**
 * A JSON merge patch taking `existing` to the desired content: data (keys that are not ours cleared), our labels and
 * annotations (others kept: another tool's metadata survives), the expiry annotation removed when nothing expires,
 * and our owner reference. `changed` names what differs; empty when the Secret is current.
 */
function contentPatch(existing: SecretFacts, desired: DesiredSecret, owner: PlanOwner): { patch: MergePatch; changed: string[] } {
  const { manifest } = desired;
  const changed: string[] = [];
  const metadata: Record<string, unknown> = { resourceVersion: existing.resourceVersion };
  const patch: Record<string, unknown> = { metadata };
  const data: Record<string, string | null> = { ...manifest.data };
  for (const key of existing.dataKeys) if (!(key in data)) data[key] = null;
  if (existing.dataHash !== desired.dataHash || Object.values(data).includes(null)) {
    patch['data'] = data;
    changed.push('data');
  }
  const labels = differing(existing.labels, manifest.metadata.labels);
  if (labels) {
    metadata['labels'] = labels;
    changed.push('labels');
  }
  const wanted: Record<string, string | null> = { ...manifest.metadata.annotations };
  if (wanted[EXPIRES_AT_ANNOTATION] === undefined && existing.annotations[EXPIRES_AT_ANNOTATION] !== undefined) wanted[EXPIRES_AT_ANNOTATION] = null;
  // IMPS's record of what it wrote holds a copy of the old login: it goes with the adoption. msi-acrpull's records of
  // its token (expiry, refresh time, inputs) would go stale: they go too (msi-acrpull, rolled back to, refreshes at once).
  if (existing.annotations[IMPS_LAST_APPLIED_ANNOTATION] !== undefined) wanted[IMPS_LAST_APPLIED_ANNOTATION] = null;
  if (owner.binding) for (const key of MSI_ACRPULL_TOKEN_ANNOTATIONS) if (existing.annotations[key] !== undefined) wanted[key] = null;
  const annotations = differing(existing.annotations, wanted);
  if (annotations) {
    metadata['annotations'] = annotations;
    changed.push('annotations');
  }
  if (owner.uid) {
    const refs = existing.ownerReferences;
    const only = refs.length === 1 && refs[0]!.kind === ownerKindOf(owner) && refs[0]!.uid === owner.uid && refs[0]!.controller === true;
    if (!only) {
      metadata['ownerReferences'] = [ownerReference(owner)];
      changed.push('ownerReferences');
    }
  }
  return { patch, changed };
}

/** The entries of `wanted` that `current` does not hold (null: must be absent); undefined when none. */
function differing(current: Readonly<Record<string, string>>, wanted: Readonly<Record<string, string | null>>): Record<string, string | null> | undefined {
  const out: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(wanted)) {
    if (value === null ? key in current : current[key] !== value) out[key] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
