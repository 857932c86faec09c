// A fake Kubernetes API server for tests: real REST wire format over loopback
// http(s), good enough for @kubernetes/client-node (typed APIs, Watch,
// informers, KubernetesObjectApi) and raw HTTP clients. Implementation lives
// in ./kube/; see ./kube/generate.ts for the bulk-data generation rule.

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
