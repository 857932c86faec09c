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
