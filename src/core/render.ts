import type { ImagePullSecret } from '../generated/image-pull-secret.js';
import {
  EXPIRES_AT_ANNOTATION,
  IMAGE_PULL_SECRET_ANNOTATION,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  OWNER_LABEL,
  ownerLabelValue,
  REFRESHER_ANNOTATION,
} from './contract.js';
import { encodeDockerConfig, type MergedDockerConfig } from './docker-config.js';

/** `secrets` carries token material; `shells` carries none and is filled in-cluster by the controller. */
export type RenderOutput = 'secrets' | 'shells';

/** The metadata of every Secret imps-krm renders (pull Secrets and repository credentials). */
export interface RenderedSecretMetadata {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * A rendered pull Secret, in the key order kubectl prints. A shell's `data` is an empty docker config
 * (`{"auths":{}}`): the API server refuses a `kubernetes.io/dockerconfigjson` Secret whose `.dockerconfigjson` is
 * missing or not a JSON object (ValidateSecret), and an empty config is valid and grants nothing.
 */
export interface PullSecretManifest {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: RenderedSecretMetadata;
  type: 'kubernetes.io/dockerconfigjson';
  data: { '.dockerconfigjson': string };
}

/** The data of a shell: `{"auths":{}}`, base64. What the controller writes over it is only ever a fuller config. */
export const SHELL_DOCKER_CONFIG = Buffer.from(encodeDockerConfig({ auths: {} }), 'utf8').toString('base64');

/**
 * One Secret per namespace, in the order given (callers pass sorted namespaces). Pure: the same inputs give the
 * same objects, so two renders differ only when an input or a token changed. A shell names its ImagePullSecret and
 * has no credential and no expiry (an expiry in git would change on every token refresh): its data is the empty
 * docker config, the smallest Secret of its type the API server accepts.
 */
export function renderPullSecrets(
  imps: ImagePullSecret,
  namespaces: readonly string[],
  config: MergedDockerConfig,
  output: RenderOutput = 'secrets',
): PullSecretManifest[] {
  const target = imps.spec.target.secret;
  const shell = output === 'shells';
  const labels = sortKeys({
    ...target.labels,
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [OWNER_LABEL]: ownerLabelValue(imps.metadata.name),
  });
  const annotations = sortKeys({
    ...target.annotations,
    ...(shell
      ? { [REFRESHER_ANNOTATION]: 'true', [IMAGE_PULL_SECRET_ANNOTATION]: imps.metadata.name }
      : config.expiresAt
        ? { [EXPIRES_AT_ANNOTATION]: formatTime(config.expiresAt) }
        : {}),
  });
  const payload = shell ? SHELL_DOCKER_CONFIG : Buffer.from(encodeDockerConfig(config), 'utf8').toString('base64');
  return namespaces.map((namespace) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: target.name,
      namespace,
      labels: { ...labels },
      ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
    },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': payload },
  }));
}

/** RFC 3339 in UTC without milliseconds, as Kubernetes writes timestamps. */
export function formatTime(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function sortKeys(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
