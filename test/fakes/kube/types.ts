// Public types of the fake Kubernetes API server. Kept apart from the
// implementation so helpers (store, selectors, generator) can share them
// without import cycles.

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    uid?: string;
    generation?: number;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  /** URL path without the query string, still percent-encoded as sent. */
  path: string;
  query: Record<string, string>;
  accept?: string;
  contentType?: string;
  /** Parsed JSON (or YAML for apply patches); the raw text when it did not parse; absent when empty. */
  body?: unknown;
}

export interface Fault {
  match: (req: RecordedRequest) => boolean;
  /**
   * HTTP status to answer with, as a `kind: Status` body. A status below 400
   * (e.g. 0 or 200) means "no error": together with `delayMs` that makes a
   * pure latency fault, the request is then served normally.
   */
  status: number;
  reason?: string;
  /** Sent as the `Retry-After` header and as `details.retryAfterSeconds`. */
  retryAfterSeconds?: number;
  /** How many matching requests this fault answers; default 1, `Infinity` for all. */
  times?: number;
  /** Wait this long before answering (or before dropping the connection). */
  delayMs?: number;
  /** Destroy the TCP connection instead of answering (client sees ECONNRESET / "socket hang up"). */
  dropConnection?: boolean;
}

export interface KubeconfigOptions {
  /** Context, cluster and user name; default `fake`. */
  contextName?: string;
  /** Bearer token written for the user; default `fake-token`. */
  token?: string;
  /** Default namespace of the context. */
  namespace?: string;
}

export interface FakeKubeApi {
  /** Base URL, e.g. http://127.0.0.1:PORT (https:// when TLS is on). */
  url: string;
  /** True when serving https (a cert could be generated with the openssl CLI). */
  tls: boolean;
  /** PEM of the self-signed server certificate when `tls` is true. */
  caCert?: string;
  /** Kubeconfig in a private temp dir: context/cluster/user `fake`, token `fake-token`. */
  kubeconfigPath: string;
  writeKubeconfig(dir: string, opts?: KubeconfigOptions): string;
  /** Every request in arrival order (live array; `resetRequests` empties it in place). */
  requests: RecordedRequest[];
  /** Every ServiceAccount token issued through TokenRequest, in order (the tokens themselves are not kept). */
  issuedTokens: Array<{ namespace: string; serviceAccount: string; audiences: string[]; expirationSeconds: number }>;
  resetRequests(): void;
  /**
   * Create or replace, bumping resourceVersion and notifying watches (ADDED/MODIFIED). The object is decoded,
   * defaulted and validated like an API write (throws when a real server would refuse it) but may carry status.
   */
  put(obj: KubeObject): KubeObject;
  /** Delete with background propagation: the garbage collector removes dependents afterwards. */
  remove(apiVersion: string, kind: string, name: string, namespace?: string): void;
  get(apiVersion: string, kind: string, name: string, namespace?: string): KubeObject | undefined;
  list(apiVersion: string, kind: string, namespace?: string): KubeObject[];
  inject(fault: Fault): void;
  /** Drop all fault injections that have not fired yet. */
  clearFaults(): void;
  /**
   * End every open watch. By default the stream ends cleanly, like the
   * apiserver closing a watch; `{ abrupt: true }` destroys the sockets instead
   * (client sees a network error).
   */
  closeWatches(opts?: { abrupt?: boolean }): void;
  /** Number of watch streams currently open. */
  openWatches(): number;
  /** Forget history: a watch or list at an older resourceVersion now gets 410 Expired. */
  compactHistory(): void;
  /** Current (latest) resourceVersion of the store. */
  resourceVersion(): string;
  close(): Promise<void>;
}

export interface GenerateOptions {
  namespaces: number;
  podsPerNamespace: number;
}

/** One write as an admission plugin sees it: after defaulting and server-managed metadata, before storage. */
export interface AdmissionReview {
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  group: string;
  version: string;
  /** Plural resource name, e.g. `secrets`. */
  resource: string;
  kind: string;
  subresource?: string;
  namespace?: string;
  name: string;
  /** Null on DELETE. */
  object: KubeObject | null;
  /** Null on CREATE. */
  oldObject: KubeObject | null;
  /** From `StartOptions.users` by the request's bearer token. */
  username: string;
  dryRun: boolean;
}

/** Returns a denial message to refuse the write with 403 Forbidden, or undefined to admit it. */
export type AdmissionHook = (review: AdmissionReview) => string | undefined;

export interface StartOptions {
  objects?: KubeObject[];
  /** Serve https with a runtime-generated self-signed cert (falls back to http when openssl is missing). */
  tls?: boolean;
  generate?: GenerateOptions;
  /** Accepted bearer tokens; default `['fake-token']`. */
  tokens?: string[];
  /**
   * Run the garbage collector of kube-controller-manager (dependents of a deleted owner are deleted, dangling owner
   * references removed); default true. False models a controller-manager that is down, for tests that must see a
   * controller do the cleanup itself.
   */
  garbageCollection?: boolean;
  /** The user each token authenticates as (AdmissionReview.username); default `fake-user`. */
  users?: Record<string, string>;
  /** Called on every create, update, patch and delete made over HTTP (not on `put`/`remove`), like admission. */
  admission?: AdmissionHook;
  /** Interval of BOOKMARK events on watches that allow them; default 1000 ms. */
  bookmarkIntervalMs?: number;
  /** Watch history kept for resuming watches; older entries are compacted away. Default 100000. */
  maxHistory?: number;
}
