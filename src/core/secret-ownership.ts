import { ACR_PULL_BINDING_KIND, isAcrPullBindingApiVersion } from './acr-pull-binding.js';
import { OWNER_LABEL, ownerLabelValue, shellOwner } from './contract.js';
import type { OwnerReferenceFacts, SecretFacts } from './facts.js';
import type { StringMap } from './selectors.js';

// Who holds a Secret that sits where an ImagePullSecret's target belongs, and so whether the controller may write
// it. The rule: a Secret is written only when it is ours, a shell naming this ImagePullSecret, or the IMPS
// controller's Secret for this same ImagePullSecret (adopted in place). A Secret another tool manages is written
// only when the spec opts in (`spec.target.secret.adoptFrom`); one owned by another kind of object never is.
// Anything else is refused with a reason from a fixed list.

/**
 * Why the controller would not write a target Secret: a fixed set, so the `reason` label of
 * imps_krm_secrets_refused_total stays bounded and never carries a name or a value from the cluster.
 */
export const SECRET_REFUSAL_REASONS = [
  // A Secret with the target's name exists, lacks our owner label and shows no tool we know: a person's, or a tool's.
  'not-managed',
  // It carries our owner label for another ImagePullSecret, or an owner reference to another one.
  'other-imagepullsecret',
  // Rendered with token material and applied by GitOps (our label, no owner reference): only shells are filled.
  'gitops-rendered',
  // Argo CD tracks it (tracking-id annotation, instance label) and the spec does not adopt from ArgoCD.
  'argocd',
  // Helm manages it (managed-by: Helm, release annotations) and the spec does not adopt from Helm.
  'helm',
  // Flux applied it (kustomize-controller or helm-controller labels) and the spec does not adopt from Flux.
  'flux',
  // An owner reference to another kind of object (an ExternalSecret, a SealedSecret...): its controller writes it.
  'other-owner',
  // Not of the type we write there (kubernetes.io/dockerconfigjson; Opaque for a repository credential): a Secret's
  // type cannot change in place.
  'wrong-type',
] as const;
export type SecretRefusalReason = (typeof SECRET_REFUSAL_REASONS)[number];

/** The tools a spec may take Secrets over from (`spec.target.secret.adoptFrom`). */
export type Manager = 'ArgoCD' | 'Helm' | 'Flux';

/** The label IMPS (banzaicloud/imps controllers/const.go) puts on its Secrets: the uid of their ImagePullSecret. */
export const IMPS_OWNER_UID_LABEL = 'images.banzaicloud.io/owner-uid';
/**
 * IMPS's last-applied record (k8s-objectmatcher): base64 of a zip of the Secret it wrote, credential included. Removed
 * when a Secret is adopted: a stale copy of a login must not outlive the login.
 */
export const IMPS_LAST_APPLIED_ANNOTATION = 'banzaicloud.com/last-applied';

/** The ImagePullSecret a plan is made for, or the AcrPullBinding translated into one. */
export interface PlanOwner {
  readonly apiVersion: string;
  /** The ImagePullSecret's name; a binding's ownerName (core/acr-pull-binding.ts): what labels and records name. */
  readonly name: string;
  /** metadata.uid; '' only for objects that never came from an API server. */
  readonly uid: string;
  /** spec.target.secret.adoptFrom */
  readonly adoptFrom?: readonly Manager[] | undefined;
  /** An AcrPullBinding: its own name (owner references name it), and msi-acrpull's Secrets of it are adopted. */
  readonly binding?: { readonly name: string } | undefined;
}

/** The kind of object that owns the Secrets of `owner` (owner references). */
export const ownerKindOf = (owner: Pick<PlanOwner, 'binding'>): string => (owner.binding ? ACR_PULL_BINDING_KIND : 'ImagePullSecret');

/** An owner reference to an AcrPullBinding of msi-acrpull's groups. */
export const isBindingOwnerRef = (ref: OwnerReferenceFacts): boolean => ref.kind === ACR_PULL_BINDING_KIND && isAcrPullBindingApiVersion(ref.apiVersion);

/** UIDs of the objects of `owner`'s kind that a Secret names as owners. */
export const ownerUidsFor = (secret: SecretFacts, owner: Pick<PlanOwner, 'binding'>): string[] =>
  secret.ownerReferences.filter(owner.binding ? isBindingOwnerRef : isImpsOwnerRef).map((ref) => ref.uid);

/**
 * msi-acrpull's Secret of this binding (internal/controller: newPullSecret with ctrl.SetControllerReference): owner
 * references only to AcrPullBindings, one of them the controller reference to this uid. Its label
 * acr.microsoft.com/binding is not required: msi-acrpull before v0.1.4 set none.
 */
export function isMsiAcrPullSecretOf(secret: SecretFacts, uid: string): boolean {
  return (
    Boolean(uid) &&
    secret.ownerReferences.length > 0 &&
    secret.ownerReferences.every(isBindingOwnerRef) &&
    secret.ownerReferences.some((ref) => ref.uid === uid && ref.controller === true)
  );
}

export type Holder =
  | { readonly kind: 'ours' }
  | { readonly kind: 'shell'; readonly of: string }
  | { readonly kind: 'adoptable'; readonly from: string }
  | { readonly kind: 'refused'; readonly reason: SecretRefusalReason; readonly message: string };

export const isImpsOwnerRef = (ref: OwnerReferenceFacts): boolean => ref.kind === 'ImagePullSecret';

/** UIDs of the ImagePullSecrets a Secret names as owners. */
export const impsOwnerUids = (secret: SecretFacts): string[] => secret.ownerReferences.filter(isImpsOwnerRef).map((ref) => ref.uid);

/**
 * The tools whose marks a Secret carries (Argo CD: argo-cd.readthedocs.io user-guide/resource_tracking; Helm: the
 * release annotations and managed-by label Helm 3 sets; Flux: the kustomize-controller and helm-controller labels).
 * A mark the ImagePullSecret itself asks for (`spec.target.secret.labels`/`annotations`, passed as `ours`) is not
 * another tool's. `app.kubernetes.io/instance` is Argo CD's tracking label, but Helm charts set it to the release
 * name too: with a Helm mark beside it, it is taken for Helm's.
 */
export function managersOf(secret: SecretFacts, ours: { readonly labels?: StringMap | undefined; readonly annotations?: StringMap | undefined } = {}): Manager[] {
  const label = (key: string): string | undefined => (secret.labels[key] !== undefined && secret.labels[key] !== ours.labels?.[key] ? secret.labels[key] : undefined);
  const annotation = (key: string): string | undefined =>
    secret.annotations[key] !== undefined && secret.annotations[key] !== ours.annotations?.[key] ? secret.annotations[key] : undefined;
  const helm = label('app.kubernetes.io/managed-by') === 'Helm' || annotation('meta.helm.sh/release-name') !== undefined || annotation('meta.helm.sh/release-namespace') !== undefined;
  const argo =
    annotation('argocd.argoproj.io/tracking-id') !== undefined || label('argocd.argoproj.io/instance') !== undefined || (!helm && label('app.kubernetes.io/instance') !== undefined);
  const flux = ['kustomize.toolkit.fluxcd.io/name', 'kustomize.toolkit.fluxcd.io/namespace', 'helm.toolkit.fluxcd.io/name', 'helm.toolkit.fluxcd.io/namespace'].some(
    (key) => label(key) !== undefined,
  );
  return [...(argo ? ['ArgoCD' as const] : []), ...(helm ? ['Helm' as const] : []), ...(flux ? ['Flux' as const] : [])];
}

const REASON_OF: Record<Manager, SecretRefusalReason> = { ArgoCD: 'argocd', Helm: 'helm', Flux: 'flux' };
const NAME_OF: Record<Manager, string> = { ArgoCD: 'Argo CD tracks it', Helm: 'Helm manages it', Flux: 'Flux applied it' };

/** The IMPS controller's Secret for this ImagePullSecret: its owner-uid label and an owner reference to it, nothing else. */
export function isImpsSecretOf(secret: SecretFacts, uid: string): boolean {
  return (
    Boolean(uid) &&
    secret.labels[IMPS_OWNER_UID_LABEL] === uid &&
    secret.ownerReferences.length > 0 &&
    secret.ownerReferences.every((ref) => isImpsOwnerRef(ref) && ref.uid === uid)
  );
}

/**
 * Who holds `existing`, as seen by the ImagePullSecret `owner`. `ours` is what the owner's render puts on the Secret
 * (its own labels and annotations are no other tool's marks).
 */
export function holderOf(existing: SecretFacts, owner: PlanOwner, ours: { labels?: StringMap; annotations?: StringMap; type?: string } = {}): Holder {
  const shell = shellOwner(existing.annotations);
  // Shells are applied by a GitOps tool for us to fill: ours by design, whatever tool applied them.
  if (shell !== undefined) return { kind: 'shell', of: shell };
  const ownKind = owner.binding ? isBindingOwnerRef : isImpsOwnerRef;
  const kind = ownerKindOf(owner);
  const other = existing.ownerReferences.find((ref) => !ownKind(ref));
  if (other) return refused('other-owner', `owned by a ${other.kind || 'object'} (owner reference); its controller writes it, not overwriting it`);
  const uids = ownerUidsFor(existing, owner);
  if (uids.some((uid) => uid !== owner.uid)) return refused('other-imagepullsecret', `owned by another ${kind} (owner reference); not overwriting it`);
  const label = existing.labels[OWNER_LABEL];
  if (label !== undefined && label !== ownerLabelValue(owner.name)) {
    return refused('other-imagepullsecret', `owned by another ${label.startsWith('acrpullbinding_') ? ACR_PULL_BINDING_KIND : 'ImagePullSecret'} (${label}); not overwriting it`);
  }
  const managers = managersOf(existing, ours);
  const unopted = managers.find((manager) => !(owner.adoptFrom ?? []).includes(manager));
  if (unopted) {
    return refused(REASON_OF[unopted], `${NAME_OF[unopted]}; not overwriting it: list ${unopted} in spec.target.secret.adoptFrom to let imps-krm take it over`);
  }
  if (label !== undefined) {
    if (uids.length > 0 || !owner.uid) return { kind: 'ours' };
    if (managers.length > 0) return { kind: 'adoptable', from: managers.join('+') };
    return refused('gitops-rendered', 'rendered and applied by GitOps (no owner reference); not overwriting it: render it with output: shells to have it filled here');
  }
  // The IMPS controller's Secret for this same ImagePullSecret (msi-acrpull's for this same binding) is adopted in
  // place, which makes migrating gapless; another tool's, when the spec opts in.
  const adopted = owner.binding ? isMsiAcrPullSecretOf(existing, owner.uid) && ['msi-acrpull'] : isImpsSecretOf(existing, owner.uid) && ['IMPS'];
  const from = adopted ? [...adopted, ...managers] : managers;
  if (from.length === 0) return refused('not-managed', 'a Secret with this name exists and is not managed by imps-krm; not overwriting it');
  if (existing.type !== (ours.type ?? 'kubernetes.io/dockerconfigjson')) {
    return refused('wrong-type', `of type ${existing.type}, which cannot change in place; not overwriting it`);
  }
  return { kind: 'adoptable', from: from.join('+') };
}

function refused(reason: SecretRefusalReason, message: string): Holder {
  return { kind: 'refused', reason, message };
}

/** Secrets this controller wrote for the owner with `uid` (our label, owner reference to it), not shells. */
export function isOursFor(secret: SecretFacts, uid: string, owner: Pick<PlanOwner, 'binding'> = {}): boolean {
  return Boolean(uid) && secret.labels[OWNER_LABEL] !== undefined && ownerUidsFor(secret, owner).includes(uid) && shellOwner(secret.annotations) === undefined;
}
