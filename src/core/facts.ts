import type { StringMap } from './selectors.js';

/** What the core needs to know about a namespace: the cluster adapters reduce objects to this. */
export interface NamespaceFacts {
  readonly name: string;
  readonly labels: StringMap;
  readonly annotations: StringMap;
}

/** What the core needs to know about a Pod (metadata only). */
export interface PodFacts {
  readonly namespace: string;
  readonly labels: StringMap;
  readonly annotations: StringMap;
  /** Only `imps-krm explain` reads it (the Pod it names); readers that keep many Pods may leave it out. */
  readonly name?: string | undefined;
  /** What stands for the Pod: absent for a Pod; in input mode the workload kind whose Pod template it is. */
  readonly kind?: string | undefined;
}

/** An owner reference as the core needs it. */
export interface OwnerReferenceFacts {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean | undefined;
}

/**
 * What the controller remembers of a Secret: enough to decide writes, no payload. The data is known by a hash
 * (computed by whoever reads it) and its key names, so a write can clear keys that are not ours.
 */
export interface SecretFacts {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly type: string;
  readonly labels: StringMap;
  /** Annotations; values that hold a copy of the whole object (last-applied records) are kept as '' (presence only). */
  readonly annotations: StringMap;
  readonly ownerReferences: readonly OwnerReferenceFacts[];
  /** A digest of `data`: compared with the desired data's digest to skip writes that would change nothing. */
  readonly dataHash: string;
  readonly dataKeys: readonly string[];
}

/** What the controller keeps of a ServiceAccount: its pull Secret list (small) and our record of what we added. */
export interface ServiceAccountFacts {
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion: string;
  readonly imagePullSecrets: readonly unknown[];
  /** ADDED_PULL_SECRETS_ANNOTATION, when present. */
  readonly added: string | undefined;
}
