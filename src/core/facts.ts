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
}
