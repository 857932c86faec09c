import { ALLOWED_IMAGE_PULL_SECRETS_ANNOTATION, ALLOWED_NAMESPACES_ANNOTATION, ALLOWED_PROJECTS_ANNOTATION } from './contract.js';
import { nameMatcher } from './globs.js';

export { ALLOWED_IMAGE_PULL_SECRETS_ANNOTATION, ALLOWED_NAMESPACES_ANNOTATION, ALLOWED_PROJECTS_ANNOTATION } from './contract.js';
import { ambientIdentityOf, type TokenRequest } from './tokens.js';

// Who may use a source (docs/security.md, "Tenant isolation"). A source Secret's owner lists the Argo CD projects,
// ImagePullSecrets and target namespaces that may use it, the way External Secrets' ClusterSecretStore `conditions`
// list the namespaces allowed to use a store and msi-acrpull binds an identity per namespace. Pure: the faces and the
// controller decide the same way because they call the same function.

/** Operator setting: the Argo CD projects that may mint tokens with the renderer's own cloud identity. */
export const AMBIENT_IDENTITY_PROJECTS_ENV = 'IMPS_KRM_AMBIENT_IDENTITY_PROJECTS';
/** Set by Argo CD's repo-server (3.0 and later) for plugins and kustomize builds; an Application cannot set it. */
export const ARGOCD_PROJECT_ENV = 'ARGOCD_APP_PROJECT_NAME';

export interface ConsentContext {
  /**
   * The Argo CD project the render is for. Undefined outside Argo CD; '' when the render is for Argo CD but the
   * project is unknown (an Argo CD older than 3.0): no annotation names it, only `*` matches it.
   */
  readonly project?: string | undefined;
  readonly imagePullSecret: string;
  /** The target namespaces the ImagePullSecret selected. */
  readonly namespaces: readonly string[];
  /** The Secret is one of the input manifests: the repository's own data needs no consent. */
  readonly fromInput: boolean;
  /** `--require-source-consent`: an absent annotation denies instead of allowing. */
  readonly requireConsent?: boolean | undefined;
}

export interface NamespaceDenial {
  readonly namespace: string;
  readonly reason: string;
}

export interface ConsentDecision {
  /** Why this ImagePullSecret may not use the source at all; undefined when it may. */
  readonly denied?: string | undefined;
  /** Selected namespaces the source does not allow: none of its logins may be rendered there. */
  readonly deniedNamespaces: readonly NamespaceDenial[];
}

/** `a, b,team-*` -> [a, b, team-*]; empty entries are dropped, so an empty annotation allows nothing. */
export function parseNameList(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** An annotation's list, or undefined when it is absent. A value that is not a string allows nothing. */
function listOf(annotations: Readonly<Record<string, unknown>> | undefined, key: string): string[] | undefined {
  if (!annotations || !Object.hasOwn(annotations, key)) return undefined;
  const value = annotations[key];
  return typeof value === 'string' ? parseNameList(value) : [];
}

/**
 * May the ImagePullSecret in `context` use a source carrying `annotations`, and in which of its namespaces?
 * - allowed-projects: checked when the render is for an Argo CD project; absent = denied (default deny for shared
 *   renderers, where every Application of every project can name any Secret the plugin can read).
 * - allowed-image-pull-secrets, allowed-namespaces: checked always; absent = allowed, unless `requireConsent`.
 * A Secret from the input manifests needs none of them.
 */
export function sourceConsent(annotations: Readonly<Record<string, unknown>> | undefined, context: ConsentContext): ConsentDecision {
  if (context.fromInput) return { deniedNamespaces: [] };
  const denied = projectDenial(annotations, context.project) ?? imagePullSecretDenial(annotations, context);
  if (denied !== undefined) return { denied, deniedNamespaces: [] };
  return { deniedNamespaces: context.namespaces.flatMap((namespace) => namespaceDenial(annotations, namespace, context.requireConsent)) };
}

function projectDenial(annotations: Readonly<Record<string, unknown>> | undefined, project: string | undefined): string | undefined {
  if (project === undefined) return undefined;
  const allowed = listOf(annotations, ALLOWED_PROJECTS_ANNOTATION);
  if (allowed !== undefined && nameMatcher(allowed)(project)) return undefined;
  if (project === '') {
    return `the Argo CD project is unknown (${ARGOCD_PROJECT_ENV} is not set: Argo CD sets it from 3.0 on; before that the operator sets it in the plugin's environment), so the source Secret's ${ALLOWED_PROJECTS_ANNOTATION} annotation cannot name it`;
  }
  return allowed === undefined
    ? `Argo CD project ${project}: the source Secret has no ${ALLOWED_PROJECTS_ANNOTATION} annotation, and a Secret read from the cluster for Argo CD must name the projects that may use it`
    : `Argo CD project ${project} is not in the source Secret's ${ALLOWED_PROJECTS_ANNOTATION} annotation`;
}

function imagePullSecretDenial(annotations: Readonly<Record<string, unknown>> | undefined, context: ConsentContext): string | undefined {
  const allowed = listOf(annotations, ALLOWED_IMAGE_PULL_SECRETS_ANNOTATION);
  if (allowed === undefined) {
    return context.requireConsent
      ? `the source Secret has no ${ALLOWED_IMAGE_PULL_SECRETS_ANNOTATION} annotation, which --require-source-consent requires`
      : undefined;
  }
  return nameMatcher(allowed)(context.imagePullSecret)
    ? undefined
    : `ImagePullSecret ${context.imagePullSecret} is not in the source Secret's ${ALLOWED_IMAGE_PULL_SECRETS_ANNOTATION} annotation`;
}

/** One namespace: exported for Secrets written outside the selection (the controller's shells). */
export function namespaceDenial(
  annotations: Readonly<Record<string, unknown>> | undefined,
  namespace: string,
  requireConsent: boolean | undefined,
): NamespaceDenial[] {
  const allowed = listOf(annotations, ALLOWED_NAMESPACES_ANNOTATION);
  if (allowed === undefined) {
    return requireConsent
      ? [{ namespace, reason: `namespace ${namespace}: the source Secret has no ${ALLOWED_NAMESPACES_ANNOTATION} annotation, which --require-source-consent requires` }]
      : [];
  }
  return nameMatcher(allowed)(namespace) ? [] : [{ namespace, reason: `namespace ${namespace} is not in the source Secret's ${ALLOWED_NAMESPACES_ANNOTATION} annotation` }];
}

/**
 * A token request that would mint with the renderer's own cloud identity, for an Argo CD project the operator did
 * not list in IMPS_KRM_AMBIENT_IDENTITY_PROJECTS: why it is refused. Undefined outside Argo CD (the person or the
 * controller rendering owns that identity) and for sources that bring their own credential.
 */
export function ambientIdentityDenial(request: TokenRequest, project: string | undefined, allowedProjects: readonly string[]): string | undefined {
  if (project === undefined) return undefined;
  const identity = ambientIdentityOf(request);
  if (identity === undefined || nameMatcher(allowedProjects)(project)) return undefined;
  const who = project === '' ? `an unknown Argo CD project (${ARGOCD_PROJECT_ENV} is not set)` : `Argo CD project ${project}`;
  return `this source mints with ${identity}, which the operator has not allowed for ${who} (${AMBIENT_IDENTITY_PROJECTS_ENV})`;
}
