// Builders for the objects tests are made of, so a test states only what matters to it: an ImagePullSecret with its
// sources and target, source Secrets of each type, namespaces and Pods (as the core sees them, and as API objects),
// an in-memory cluster and a token provider that records what it was asked.
import type { NamespaceFacts, PodFacts } from '../../src/core/facts.js';
import type { SourceSecret } from '../../src/core/sources.js';
import type { RegistryToken, TokenRequest } from '../../src/core/tokens.js';
import type { ImagePullSecret, InlineSource, NamespacedName, TargetConfig } from '../../src/generated/image-pull-secret.js';
import type { ClusterReader } from '../../src/ports/cluster.js';
import type { TokenProvider } from '../../src/ports/tokens.js';
import { stringify } from 'yaml';

export const IMPS_API_VERSION = 'images.banzaicloud.io/v1alpha1';
export const b64 = (value: string | Buffer): string => Buffer.from(value).toString('base64');

type StringMap = Record<string, string>;

export interface ImpsOptions {
  /** `spec.registry.credentials`, as `namespace/name` strings or objects. Default: none (give inline then). */
  readonly credentials?: ReadonlyArray<string | NamespacedName>;
  readonly inline?: readonly InlineSource[];
  /** `spec.target.namespaces.names`; ignored when `target` is given. */
  readonly namespaces?: readonly string[];
  /** `spec.target` without its secret. */
  readonly target?: Omit<TargetConfig, 'secret'>;
  /** `spec.target.secret.name`. Default `pull`. */
  readonly secret?: string;
}

/** An ImagePullSecret, typed: `imagePullSecret('a', { credentials: ['creds/hub'], namespaces: ['app'] })`. */
export function imagePullSecret(name: string, options: ImpsOptions = {}): ImagePullSecret {
  const credentials = options.credentials?.map((ref) => (typeof ref === 'string' ? namespacedName(ref) : ref));
  return {
    apiVersion: IMPS_API_VERSION,
    kind: 'ImagePullSecret',
    metadata: { name },
    spec: {
      registry: { ...(credentials ? { credentials } : {}), ...(options.inline ? { inline: [...options.inline] } : {}) } as ImagePullSecret['spec']['registry'],
      target: { secret: { name: options.secret ?? 'pull' }, ...(options.target ?? { namespaces: { names: [...(options.namespaces ?? [])] } }) },
    },
  };
}

const namespacedName = (ref: string): NamespacedName => {
  const [namespace, name] = ref.split('/');
  return { namespace: namespace!, name: name! };
};

// Source Secrets as a ClusterReader returns them (stringData: plain values; data: base64).

/** A `kubernetes.io/dockerconfigjson` source with one login per registry (password `pw-<registry>` unless given). */
export function dockerConfigSource(logins: Readonly<Record<string, string | { username: string; password: string }>>, annotations: StringMap = {}): SourceSecret {
  const auths = Object.fromEntries(
    Object.entries(logins).map(([registry, login]) => [registry, typeof login === 'string' ? { username: login, password: `pw-${registry}` } : login]),
  );
  return { type: 'kubernetes.io/dockerconfigjson', annotations, stringData: { '.dockerconfigjson': JSON.stringify({ auths }) } };
}

/** A `banzaicloud.io/aws-ecr-login-config` source (keyless unless the config has keys). */
export function ecrSource(config: StringMap = {}, annotations: StringMap = {}): SourceSecret {
  return { type: 'banzaicloud.io/aws-ecr-login-config', annotations, stringData: { region: 'eu-west-1', accountID: '123456789012', ...config } };
}

export function basicAuthSource(registry: string, username: string, password: string, annotations: StringMap = {}): SourceSecret {
  return { type: 'kubernetes.io/basic-auth', annotations, stringData: { username, password, registry } };
}

// The core's view of namespaces and Pods.

export const namespaceFacts = (name: string, labels: StringMap = {}, annotations: StringMap = {}): NamespaceFacts => ({ name, labels, annotations });

export const podFacts = (namespace: string, labels: StringMap = {}, annotations: StringMap = {}, name?: string): PodFacts => ({
  namespace,
  labels,
  annotations,
  ...(name !== undefined ? { name } : {}),
});

// API objects, for input manifests and the fake API server.

export const namespaceObject = (name: string, labels?: StringMap) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels ? { labels } : {}) } });

export const podObject = (namespace: string, name: string, labels?: StringMap) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace, name, ...(labels ? { labels } : {}) },
  spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
});

/** A Secret object from a source: `secretObject('creds/hub', dockerConfigSource({...}))`. */
export function secretObject(ref: string, source: SourceSecret) {
  const { namespace, name } = namespacedName(ref);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { namespace, name, ...(source.annotations && Object.keys(source.annotations).length > 0 ? { annotations: source.annotations } : {}) },
    ...(source.type ? { type: source.type } : {}),
    ...(source.data ? { data: source.data } : {}),
    ...(source.stringData ? { stringData: source.stringData } : {}),
  };
}

export interface MemoryCluster extends ClusterReader {
  /** `namespace/name` of every readSecret call, in order. */
  readonly reads: string[];
}

/** A cluster held in memory; records which Secrets were read. Namespaces given as names get no labels. */
export function memoryCluster(contents: {
  readonly namespaces?: ReadonlyArray<string | NamespaceFacts>;
  readonly pods?: readonly PodFacts[];
  readonly secrets?: Readonly<Record<string, SourceSecret>>;
  readonly isInput?: boolean;
}): MemoryCluster {
  const reads: string[] = [];
  return {
    description: 'test cluster',
    isInput: contents.isInput ?? false,
    reads,
    listNamespaces: async () => (contents.namespaces ?? []).map((namespace) => (typeof namespace === 'string' ? namespaceFacts(namespace) : namespace)),
    scanPods: async (visit) => (contents.pods ?? []).forEach(visit),
    readSecret: async (namespace, name) => {
      reads.push(`${namespace}/${name}`);
      return contents.secrets?.[`${namespace}/${name}`];
    },
  };
}

export interface RecordingTokens extends TokenProvider {
  readonly requests: TokenRequest[];
}

/** Mints `AWS` / `token-<n>` (or what `mint` returns or throws) and records every request. */
export function recordingTokens(mint?: (request: TokenRequest, count: number) => RegistryToken): RecordingTokens {
  const requests: TokenRequest[] = [];
  return {
    requests,
    fetchToken: async (request) => {
      requests.push(request);
      return mint ? mint(request, requests.length) : { username: 'AWS', password: `token-${requests.length}` };
    },
  };
}

/** A provider that must not be asked. */
export const noTokens: TokenProvider = { fetchToken: () => Promise.reject(new Error('no token expected')) };

/**
 * The smallest app that renders in input mode, as YAML documents: an ImagePullSecret `pull` (target `regcred` in
 * `shop`), the Namespace, and its basic-auth source Secret `registry-access/login` for ghcr.io holding `password`.
 */
export function validAppDocuments(password: string, sourceAnnotations: StringMap = {}): string[] {
  return [
    stringify({
      apiVersion: IMPS_API_VERSION,
      kind: 'ImagePullSecret',
      metadata: { name: 'pull' },
      spec: { registry: { credentials: [{ name: 'login', namespace: 'registry-access' }] }, target: { namespaces: { names: ['shop'] }, secret: { name: 'regcred' } } },
    }),
    stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }),
    stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'login', namespace: 'registry-access', annotations: { 'imps-krm.io/registry': 'ghcr.io', ...sourceAnnotations } },
      type: 'kubernetes.io/basic-auth',
      stringData: { username: 'bot', password },
    }),
  ];
}
