import type { NamespaceFacts, PodFacts } from '../core/facts.js';
import type { SourceSecret } from '../core/sources.js';

/** Read access to a cluster, or to the manifests standing in for one. */
export interface ClusterReader {
  /** A short description for messages, e.g. `cluster https://10.0.0.1:6443` or `input manifests`. */
  readonly description: string;
  /**
   * True when this stands for no cluster but the input manifests: its Secrets are the repository's own data and need
   * no consent from an owner (docs/security.md). Absent: a live cluster.
   */
  readonly isInput?: boolean | undefined;
  listNamespaces(): Promise<NamespaceFacts[]>;
  /**
   * Visits every Pod's metadata, page by page, so 100,000 Pods never sit in memory at once. A Pod may be visited
   * twice when a list restarts: visitors must be idempotent.
   */
  scanPods(visit: (pod: PodFacts) => void): Promise<void>;
  /** The named Secret, or undefined when it does not exist. */
  readSecret(namespace: string, name: string): Promise<SourceSecret | undefined>;
}
