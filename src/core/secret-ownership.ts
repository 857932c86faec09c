import { OWNER_LABEL, ownerLabelValue, shellOwner } from './contract.js';
import type { OwnerReferenceFacts, SecretFacts } from './facts.js';

// Who holds a Secret that sits where an ImagePullSecret's target belongs, and so whether the controller may write it.
// The rule: a Secret is written only when it is ours, a shell naming this ImagePullSecret, or the IMPS controller's
// Secret for this same ImagePullSecret (adopted in place). Anything else is refused with a reason from a fixed list.

/**
 * Why the controller would not write a target Secret: a fixed set, so the `reason` label of
 * imps_krm_secrets_refused_total stays bounded and never carries a name or a value from the cluster.
 */
export const SECRET_REFUSAL_REASONS = [
  // A Secret with the target's name exists and lacks our owner label: another tool or a person manages it.
  'not-managed',
  // It carries our owner label for another ImagePullSecret, or an owner reference to another one.
  'other-imagepullsecret',
  // Rendered with token material and applied by GitOps (our label, no owner reference): only shells are filled.
  'gitops-rendered',
] as const;
export type SecretRefusalReason = (typeof SECRET_REFUSAL_REASONS)[number];

/** The ImagePullSecret a plan is made for. */
export interface PlanOwner {
  readonly apiVersion: string;
  readonly name: string;
  /** metadata.uid; '' only for objects that never came from an API server. */
  readonly uid: string;
}

export type Holder =
  | { readonly kind: 'ours' }
  | { readonly kind: 'shell'; readonly of: string }
  | { readonly kind: 'adoptable'; readonly from: 'IMPS' }
  | { readonly kind: 'refused'; readonly reason: SecretRefusalReason; readonly message: string };

export const isImpsOwnerRef = (ref: OwnerReferenceFacts): boolean => ref.kind === 'ImagePullSecret';

/** UIDs of the ImagePullSecrets a Secret names as owners. */
export const impsOwnerUids = (secret: SecretFacts): string[] => secret.ownerReferences.filter(isImpsOwnerRef).map((ref) => ref.uid);

/** Who holds `existing`, as seen by the ImagePullSecret `owner`. */
export function holderOf(existing: SecretFacts, owner: PlanOwner): Holder {
  const shell = shellOwner(existing.annotations);
  if (shell !== undefined) return { kind: 'shell', of: shell };
  const uids = impsOwnerUids(existing);
  const label = existing.labels[OWNER_LABEL];
  if (label === undefined) {
    // The IMPS controller's Secret for this same ImagePullSecret (owner reference to its uid): adopted in place,
    // which makes migrating from IMPS gapless.
    if (owner.uid && uids.includes(owner.uid)) return { kind: 'adoptable', from: 'IMPS' };
    return { kind: 'refused', reason: 'not-managed', message: 'a Secret with this name exists and is not managed by imps-krm; not overwriting it' };
  }
  if (label !== ownerLabelValue(owner.name) || (uids.length > 0 && !uids.includes(owner.uid))) {
    return { kind: 'refused', reason: 'other-imagepullsecret', message: `owned by another ImagePullSecret (${label}); not overwriting it` };
  }
  if (uids.length === 0 && owner.uid) {
    return {
      kind: 'refused',
      reason: 'gitops-rendered',
      message: 'rendered and applied by GitOps (no owner reference); not overwriting it: render it with output: shells to have it filled here',
    };
  }
  return { kind: 'ours' };
}

/** Secrets this controller wrote for the ImagePullSecret with `uid` (our label, owner reference to it), not shells. */
export function isOursFor(secret: SecretFacts, uid: string): boolean {
  return Boolean(uid) && secret.labels[OWNER_LABEL] !== undefined && impsOwnerUids(secret).includes(uid) && shellOwner(secret.annotations) === undefined;
}
