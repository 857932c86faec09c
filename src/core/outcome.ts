import type { ImagePullSecret } from '../generated/image-pull-secret.js';
import type { Problem, ResourceRef } from './problems.js';
import type { PullSecretManifest } from './render.js';
import type { SourcePlan } from './source-plan.js';
import type { RepositoryCredentialManifest } from './repository-credentials.js';
import type { TokenRequest } from './tokens.js';

// What a render takes (the ImagePullSecrets, who the render is for) and what it gives back per ImagePullSecret.

export interface FileOrigin {
  readonly path: string;
  readonly index?: number | undefined;
}

export interface ImpsInput {
  /** The spec to render; for an AcrPullBinding, its ImagePullSecret-shaped translation (core/acr-pull-binding.ts). */
  readonly imps: ImagePullSecret;
  readonly origin?: FileOrigin | undefined;
  /** Set when the input is an AcrPullBinding: what problems name, and its one source (no Secret, nothing inline). */
  readonly binding?: BindingInput | undefined;
}

/** An AcrPullBinding as the pipeline takes it. */
export interface BindingInput {
  /** The binding itself (apiVersion, kind, namespace, name): what messages, results and Events are about. */
  readonly resource: ResourceRef;
  /** The ACR token to mint, built from the binding's own fields (never a Secret, never an inline entry). */
  readonly source: SourcePlan;
  /** What the binding's translation found worth saying. */
  readonly warnings: readonly { readonly path: string; readonly message: string }[];
}

/** Who the render is for, and what the operator allows it (docs/security.md, "Tenant isolation"). */
export interface RenderConsent {
  /** The Argo CD project (ARGOCD_APP_PROJECT_NAME); '' for Argo CD with an unknown project; undefined outside Argo CD. */
  readonly project?: string | undefined;
  /** IMPS_KRM_AMBIENT_IDENTITY_PROJECTS: projects that may mint with the renderer's own cloud identity. */
  readonly ambientProjects?: readonly string[] | undefined;
  /** The controller's --require-source-consent: a source Secret without an annotation is denied. */
  readonly requireConsent?: boolean | undefined;
}

/**
 * What became of one source in one render.
 * - `ok`: it contributes its logins to every selected namespace;
 * - `partly-denied`: it contributes, but its owner does not allow some selected namespaces (no Secret there);
 * - `refused`: its owner or the operator does not allow this ImagePullSecret to use it (no Secret anywhere);
 * - `failed`: not found, does not parse, or its token could not be minted (the render fails);
 * - `not-read`: shells carry no credential, so no source is read and no token minted.
 */
export type SourceState = 'ok' | 'partly-denied' | 'refused' | 'failed' | 'not-read';

export interface SourceOutcome {
  /** `<namespace>.<name>` of a Secret, `inline[<index>]` of an inline entry: the key of `sourceStatus`, what messages name. */
  readonly id: string;
  /** Unique across ImagePullSecrets: `<namespace>.<name>`, or `<ImagePullSecret>.inline[<index>]`: the metric label. */
  readonly key: string;
  readonly origin: 'secret' | 'inline' | 'binding';
  /** What it contributes, once read and parsed: logins as they are, or a token to mint. */
  readonly kind?: 'static' | 'token' | undefined;
  /**
   * The token a `token` source asks for, whether or not this render minted it (a refused use mints nothing): what
   * a token cache is asked about (`expiryOf`, `renewalOf`). A request, like its `tokenRequestKey`, may hold
   * credentials (static keys, a service-account key): a function, so it never travels with the outcome when the
   * outcome is serialized (JSON, a log line, a snapshot).
   */
  readonly tokenRequest?: (() => TokenRequest) | undefined;
  /** When the token minted in this render expires; undefined for static logins and for tokens not minted. */
  readonly expiresAt?: Date | undefined;
  readonly state: SourceState;
  /** `Ok`, or what went wrong (the refusal, the namespaces denied, the error): `sourceStatus[id]`. */
  readonly status: string;
}

/** What happened to one ImagePullSecret: the controller turns this into writes and status. */
export interface ImpsOutcome {
  readonly input: ImpsInput;
  /** Selected namespaces every source allows, sorted: where the Secret belongs. */
  readonly namespaces: readonly string[];
  /** Selected namespaces some source does not allow (allowed-namespaces): no Secret there; each is a problem. */
  readonly deniedNamespaces: readonly string[];
  /** Namespaces some rule matches that `excludeNamespaces` removes, sorted: for the summary people read. */
  readonly excludedNamespaces: readonly string[];
  /**
   * A source failed or two sources clash: `secrets` is empty, and nothing may be concluded about the namespaces.
   * A refusal is not a failure but a decision: a namespace that one source does not allow gets no Secret at all
   * (never a partial docker config) and the others are rendered; a source that refuses the whole ImagePullSecret
   * denies every namespace.
   */
  readonly failed: boolean;
  /** One Secret per namespace in `namespaces` (shells when the render is for shells); empty when `failed`. */
  readonly secrets: readonly PullSecretManifest[];
  /**
   * `spec.target.repositoryCredentials` (extension): one Secret per registry login and entry, in the entries'
   * namespaces that every source allows (and, on a live cluster, that exist); empty when `failed` and for shells.
   */
  readonly repositoryCredentials: readonly RepositoryCredentialManifest[];
  /** Namespaces of the extension some source does not allow: no repository credential there; each is a problem. */
  readonly deniedRepositoryNamespaces: readonly string[];
  /**
   * Why a namespace outside the selection may not receive this ImagePullSecret's logins (the controller's shells);
   * empty when every source allows it.
   */
  readonly namespaceDenials: (namespace: string) => string[];
  /** Every source, Secrets first then inline entries, in spec order. */
  readonly sources: readonly SourceOutcome[];
  /** `id` -> `status` of each of `sources`: `Ok` or what went wrong. */
  readonly sourceStatus: Readonly<Record<string, string>>;
  /** The earliest expiry of the tokens in the rendered Secrets. */
  readonly expiresAt?: Date | undefined;
  readonly problems: readonly Problem[];
}

export const impsRef = (imps: ImagePullSecret): ResourceRef => ({
  apiVersion: imps.apiVersion,
  kind: imps.kind,
  name: imps.metadata.name,
});

/** What problems about an input name: the ImagePullSecret, or the AcrPullBinding it was translated from. */
export const inputRef = (input: ImpsInput): ResourceRef => input.binding?.resource ?? impsRef(input.imps);

/** `Kind name` or `Kind namespace/name`, for messages and summaries. */
export const inputName = (input: ImpsInput): string => {
  const resource = inputRef(input);
  return `${resource.kind} ${resource.namespace ? `${resource.namespace}/` : ''}${resource.name}`;
};
