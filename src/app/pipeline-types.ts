import type { Redactor } from '../core/redaction.js';
import type { RenderOutput } from '../core/render.js';
import type { ClusterReader } from '../ports/cluster.js';
import type { TokenProvider } from '../ports/tokens.js';
import type { RenderConsent } from '../core/outcome.js';

export type { BindingInput, FileOrigin, ImpsInput, RenderConsent } from '../core/outcome.js';

/** What the render pipeline resolves the ImagePullSecrets with. */
export interface RenderPorts {
  readonly cluster: ClusterReader;
  readonly tokens: TokenProvider;
  /** Absent: no Argo CD project, no required consent (the annotations a source carries still apply). */
  readonly consent?: RenderConsent | undefined;
  /** Blanks credentials out of messages; pass one to share it with the caller's logging. */
  readonly redactor?: Redactor;
  /** `shells`: Secrets without credentials; no source Secret is read and no token minted. Default `secrets`. */
  readonly output?: RenderOutput | undefined;
}
