import type { ImagePullSecret } from '../generated/image-pull-secret.js';
import type { Redactor } from '../core/redaction.js';
import type { ClusterReader } from '../ports/cluster.js';
import type { TokenProvider } from '../ports/tokens.js';

// What the render pipeline takes: the ImagePullSecrets, and the ports and context it resolves them with.

export interface FileOrigin {
  readonly path: string;
  readonly index?: number | undefined;
}

export interface ImpsInput {
  readonly imps: ImagePullSecret;
  readonly origin?: FileOrigin | undefined;
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

export interface RenderPorts {
  readonly cluster: ClusterReader;
  readonly tokens: TokenProvider;
  /** Absent: no Argo CD project, no required consent (the annotations a source carries still apply). */
  readonly consent?: RenderConsent | undefined;
  /** Blanks credentials out of messages; pass one to share it with the caller's logging. */
  readonly redactor?: Redactor;
  /**
   * Shells: no source contributes a login. Secret sources are blanked by the cluster reader; inline sources have no
   * Secret to read, so this says the same for them and no token is minted.
   */
  readonly withoutCredentials?: boolean | undefined;
}
