import { ambientIdentityDenial, sourceConsent, type ConsentDecision } from './consent.js';
import type { RenderConsent } from './outcome.js';
import type { SourcePlan } from './source-plan.js';
import type { SourceSecret } from './sources.js';
import type { RegistryToken } from './tokens.js';
import type { ImagePullSecret } from '../generated/image-pull-secret.js';

// What resolution learns of a source, and who may use it. Pure: resolution asks `useRefusal` before it mints (a
// refused use never makes a token call), and assembly asks it again to say why a source contributes nothing.

/** A source as read: its plan (or why it has none) and what consent needs to know of the Secret it came from. */
export interface SourceFacts {
  readonly plan: SourcePlan | { readonly error: string };
  /** A Secret from the cluster; undefined for an inline entry and for a Secret among the input manifests. */
  readonly consentOf?: { readonly annotations: SourceSecret['annotations'] } | undefined;
}

/** A minted token, or why there is none (already redacted). */
export type TokenResult = RegistryToken | { readonly error: string };

/** Why `imps` may not use a source at all, whatever its namespaces: the owner's annotations, then the operator's. */
export function useRefusal(imps: ImagePullSecret, source: SourceFacts, consent: RenderConsent): string | undefined {
  const decision = sourceDecision(imps, source, consent, []);
  if (decision.denied !== undefined) return decision.denied;
  if ('error' in source.plan || source.plan.kind !== 'token') return undefined;
  return ambientIdentityDenial(source.plan.request, consent.project, consent.ambientProjects ?? []);
}

/** The owner's word on this ImagePullSecret and on each of `namespaces`. */
export function sourceDecision(imps: ImagePullSecret, source: SourceFacts, consent: RenderConsent, namespaces: readonly string[]): ConsentDecision {
  return sourceConsent(source.consentOf?.annotations, {
    project: consent.project,
    imagePullSecret: imps.metadata.name,
    namespaces,
    fromInput: source.consentOf === undefined,
    requireConsent: consent.requireConsent,
  });
}
