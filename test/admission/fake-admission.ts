// Puts the shipped admission policies in front of the fake API server: every write the controller (or the
// refresher) makes in a test is judged by the CEL expressions of deploy/, and a denial fails the write with 403
// as on a real cluster. Each judged write is logged so tests can assert what was judged and that none was denied.
import type { AdmissionHook, AdmissionReview } from '../fakes/kube-api-server.js';
import { loadPolicies, type CelPolicy } from './cel-policy.js';

export const CONTROLLER_POLICIES = 'deploy/controller/admission-policy.yaml';
export const REFRESH_POLICIES = 'deploy/refresh-cronjob/admission-policy.yaml';
/** The optional deploy/acrpull component's policies (ServiceAccount tokens, AcrPullBindings). */
export const ACRPULL_POLICIES = 'deploy/acrpull/admission-policy.yaml';

export interface Judged {
  readonly policy: string;
  readonly operation: AdmissionReview['operation'];
  readonly resource: string;
  readonly target: string;
  readonly denied: readonly string[];
  readonly errors: readonly string[];
  readonly object: AdmissionReview['object'];
  readonly oldObject: AdmissionReview['oldObject'];
}

export interface PolicyAdmission {
  readonly hook: AdmissionHook;
  /** Every write a policy judged, in order. */
  readonly judged: Judged[];
  /** The judged writes that were denied (or whose evaluation failed). */
  denials(): Judged[];
}

const cache = new Map<string, Map<string, CelPolicy>>();

export function policyAdmission(...files: string[]): PolicyAdmission {
  const key = files.join('\n');
  const policies = cache.get(key) ?? loadPolicies(...files);
  cache.set(key, policies);
  const judged: Judged[] = [];
  const hook: AdmissionHook = (review) => {
    let denial: string | undefined;
    for (const policy of policies.values()) {
      const verdict = policy.evaluate({
        operation: review.operation,
        username: review.username,
        resource: { group: review.group, version: review.version, resource: review.resource },
        kind: review.kind,
        subResource: review.subresource,
        namespace: review.namespace,
        name: review.name,
        object: review.object,
        oldObject: review.oldObject,
      });
      if (!verdict.applies) continue;
      const target = review.namespace ? `${review.namespace}/${review.name}` : review.name;
      judged.push({ policy: policy.name, operation: review.operation, resource: review.resource, target, denied: verdict.denied, errors: verdict.errors, object: review.object, oldObject: review.oldObject });
      const first = verdict.denied[0];
      // The API server's wording (k8s.io/apiserver .../policy/validating/dispatcher.go).
      if (first !== undefined) denial ??= `ValidatingAdmissionPolicy '${policy.name}' with binding '${policy.name}' denied request: ${first}`;
    }
    return denial;
  };
  return { hook, judged, denials: () => judged.filter((entry) => entry.denied.length > 0 || entry.errors.length > 0) };
}

/** Throws when any write was denied: the rigs call it on close, so every controller test checks the policies. */
export function assertAdmitted(admission: PolicyAdmission): void {
  const denied = admission.denials();
  if (denied.length === 0) return;
  const lines = denied.map((entry) => `${entry.policy}: ${entry.operation} ${entry.resource} ${entry.target}: ${[...entry.denied, ...entry.errors].join('; ')}`);
  throw new Error(`the shipped admission policies denied ${denied.length} write(s):\n${lines.join('\n')}`);
}
