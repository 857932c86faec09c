// A fake Kubernetes API server for tests: real REST wire format over loopback
// http(s), good enough for @kubernetes/client-node (typed APIs, Watch,
// informers, KubernetesObjectApi) and raw HTTP clients. Implementation lives
// in ./kube/; see ./kube/generate.ts for the bulk-data generation rule.
//
// It is as strict as a real server for what this project reads and writes, always (no lenient mode): what a real
// server refuses, it refuses with the same status, reason, message and causes; what a real server does on its own
// (defaulting, pruning, garbage collection, namespace termination), it does. Each rule cites its Kubernetes source
// where it is implemented and has a test in ./kube-api-server-rules.test.ts:
// - Secret validation per type, data keys, 1 MiB, immutable type and `immutable: true` (strategies/secret.ts)
// - names (DNS-1123 subdomain or label per type), generateName, labels, annotations (256 KiB), owner references,
//   finalizers (object-meta.ts, k8s-names.ts); ConfigMaps, ServiceAccounts, Namespaces, Pods, Events, Leases
//   (strategies/); the generic path-segment name check every type gets (writes.ts)
// - decoding: wrong JSON types and bad base64 are 400, unknown fields dropped, Secret type defaults to Opaque,
//   stringData merged into data, Namespace defaults (strategies/decode.ts and the type's strategy)
// - custom resources: pruned by the shipped CRD's schema, PUT needs resourceVersion, no strategic merge patch
// - resourceVersion conflicts on PUT and on patches carrying one; uid preconditions; no resourceVersion on create
// - NamespaceLifecycle admission: 404 for a missing namespace, 403 for a terminating one; namespaces terminate
//   before they go; default, kube-system and kube-public cannot be deleted (namespace-lifecycle.ts)
// - strategic merge patch with the types' merge keys (ServiceAccount.imagePullSecrets is atomic) (strategic-merge.ts)
// - DeleteOptions: preconditions (409), propagationPolicy; the garbage collector: background, orphan, foreground,
//   dangling owner references (delete-options.ts, garbage-collector.ts)
// `put` and seeds get the same decoding and validation (a test cannot hold what a cluster cannot).

export { startFakeKubeApi } from './kube/server.js';
export type { AdmissionHook, AdmissionReview, Fault, FakeKubeApi, GenerateOptions, KubeconfigOptions, KubeObject, RecordedRequest, StartOptions } from './kube/types.js';
export {
  GENERATED_TEAMS,
  generatedCounts,
  generatedNamespace,
  generatedNamespaceName,
  generatedPod,
  generatedPodName,
  generatedRules,
  ISTIO_REV_LABEL,
  SIDECAR_INJECT_ANNOTATION,
  type GeneratedCounts,
} from './kube/generate.js';
export { RESOURCES, type ResourceDef } from './kube/registry.js';
