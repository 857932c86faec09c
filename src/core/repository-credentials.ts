import type { ArgoCDRepositoryCredentials, ImagePullSecret, KargoRepositoryCredentials } from '../generated/image-pull-secret.js';
import { DNS1123_SUBDOMAIN_MAX_LENGTH, DNS1123_SUBDOMAIN_PATTERN } from '../validation/name-patterns.js';
import { EXPIRES_AT_ANNOTATION, fnv1a, MANAGED_BY, MANAGED_BY_LABEL, OWNER_LABEL, ownerLabelValue } from './contract.js';
import { registryIdentity, type RegistryLogin } from './docker-config.js';
import { formatTime, type PullSecretManifest, type RenderedSecretMetadata } from './render.js';
import { compareStrings } from './targets.js';

// Repository credential Secrets (spec.target.repositoryCredentials, an extension): the same registry logins as the
// pull Secret, in the one-login formats Argo CD and Kargo read. Pure: the same logins give the same objects.
//
// Argo CD (argoproj/argo-cd util/db/repository_secrets.go secretToRepository and secretToRepoCred, read at 3.6.0):
// Secrets in Argo CD's namespace labelled argocd.argoproj.io/secret-type, keys url, username, password, type, and
// enableOCI "true" for Helm charts in an OCI registry; `name` and `project` for a repository. A repo-creds template
// applies to every repository URL it prefixes (getRepositoryCredentialIndex: plain string prefix after
// git.NormalizeGitURL, longest wins), so a registry host alone ends with `/`: `myacr.azurecr.io` would also prefix
// `myacr.azurecr.io.example.com/x`, and hand the token to that host.
// Kargo (akuity/kargo pkg/credentials/kubernetes/database.go getCredentialsSecret): Secrets in a project namespace (or
// the shared resources namespace) labelled kargo.akuity.io/cred-type, keys repoURL, username, password,
// repoURLIsRegex. repoURL is compared exactly after normalisation, so one Secret per registry is an anchored regular
// expression, which Kargo tests against the URL as written and as normalised (oci:// stripped for charts).

export const ARGOCD_SECRET_TYPE_LABEL = 'argocd.argoproj.io/secret-type';
export const KARGO_CRED_TYPE_LABEL = 'kargo.akuity.io/cred-type';
/** Argo CD's namespace when an entry names none. */
export const ARGOCD_DEFAULT_NAMESPACE = 'argocd';

/** An Opaque Secret holding one registry login for Argo CD or Kargo, in the key order kubectl prints. */
export interface RepositoryCredentialManifest {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: RenderedSecretMetadata;
  type: 'Opaque';
  data: Record<string, string>;
}

/** Every Secret a render emits: pull Secrets and repository credentials. */
export type RenderedSecret = PullSecretManifest | RepositoryCredentialManifest;

/** A problem with the extension for one ImagePullSecret: the field it concerns and why. */
export interface RepositoryCredentialError {
  readonly field: string;
  readonly message: string;
}

interface Entry {
  readonly field: string;
  readonly tool: 'argocd' | 'kargo';
  /** Argo CD's `type` or Kargo's cred-type: the middle of the name. */
  readonly kind: string;
  readonly namespace: string;
  readonly label: readonly [string, string];
  readonly data: (login: Location, name: string) => Record<string, string>;
}

/** Where a login is valid: the registry key without scheme and trailing slash, e.g. `myacr.azurecr.io`. */
interface Location {
  readonly identity: string;
  readonly host: string;
}

/** The extension's entries, defaults applied, in spec order: Argo CD's, then Kargo's. */
function entriesOf(imps: ImagePullSecret): Entry[] {
  const spec = imps.spec.target.repositoryCredentials;
  return [
    ...(spec?.argocd ?? []).map((entry, index) => argocdEntry(entry, `spec.target.repositoryCredentials.argocd[${index}]`)),
    ...(spec?.kargo ?? []).map((entry, index) => kargoEntry(entry, `spec.target.repositoryCredentials.kargo[${index}]`)),
  ];
}

function argocdEntry(entry: ArgoCDRepositoryCredentials, field: string): Entry {
  const type = entry.type ?? 'helm';
  const secretType = entry.secretType ?? 'repo-creds';
  const template = secretType === 'repo-creds';
  return {
    field,
    tool: 'argocd',
    kind: type,
    namespace: entry.namespace ?? ARGOCD_DEFAULT_NAMESPACE,
    label: [ARGOCD_SECRET_TYPE_LABEL, secretType],
    data: ({ identity }, name) => {
      // Helm charts in an OCI registry: Argo CD wants the URL without oci:// (util/helm/client.go IsHelmOciRepo: no
      // host when parsed) and enableOCI; generic OCI sources (3.1+) want oci://.
      const base = `${type === 'oci' ? 'oci://' : ''}${identity}${entry.path ? `/${entry.path}` : ''}`;
      return {
        ...(type === 'helm' ? { enableOCI: 'true' } : {}),
        ...(template ? {} : { name }),
        ...(entry.project ? { project: entry.project } : {}),
        type,
        // A template's URL must end where the host does: `/` after a bare host. After a path it must not (the
        // Application's repoURL is `<host>/<path>`, chart apart), and needs not: the host is closed by the `/`.
        url: template && !entry.path ? `${base}/` : base,
      };
    },
  };
}

function kargoEntry(entry: KargoRepositoryCredentials, field: string): Entry {
  return {
    field,
    tool: 'kargo',
    kind: entry.credType,
    namespace: entry.namespace,
    label: [KARGO_CRED_TYPE_LABEL, entry.credType],
    data: ({ identity }) => ({
      // Every repository of the registry (or under the path): `^host/`, or `^host/path(/|$)`. RE2 syntax, as Go reads it.
      repoURL: `^${escapeRegex(identity)}/${entry.path ? `${escapeRegex(entry.path)}(/|$)` : ''}`,
      repoURLIsRegex: 'true',
    }),
  };
}

/** Per namespace the extension writes into (sorted), the field paths of its entries there: what `explain` shows. */
export function repositoryCredentialTargets(imps: ImagePullSecret): Array<{ readonly namespace: string; readonly entries: readonly string[] }> {
  const byNamespace = new Map<string, string[]>();
  for (const entry of entriesOf(imps)) byNamespace.set(entry.namespace, [...(byNamespace.get(entry.namespace) ?? []), entry.field]);
  return [...byNamespace].sort(([a], [b]) => compareStrings(a, b)).map(([namespace, entries]) => ({ namespace, entries }));
}

/** The namespaces the extension writes into, sorted and unique: target namespaces, for consent. */
export function repositoryCredentialNamespaces(imps: ImagePullSecret): string[] {
  return [...new Set(entriesOf(imps).map((entry) => entry.namespace))].sort(compareStrings);
}

/**
 * Faults of the extension a spec shows without any login: two entries of one tool, type and namespace would name
 * every Secret alike. Reported with the spec's other validation errors.
 */
export function repositoryCredentialSpecErrors(imps: ImagePullSecret): RepositoryCredentialError[] {
  const seen = new Map<string, string>();
  const errors: RepositoryCredentialError[] = [];
  for (const entry of entriesOf(imps)) {
    const key = `${entry.tool}/${entry.kind}/${entry.namespace}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, entry.field);
    else errors.push({ field: entry.field, message: `same namespace and type as ${first}: their Secrets would have the same names` });
  }
  return errors;
}

/**
 * One Secret per login and entry, in the namespaces `allowed` (consent and existence are the caller's). A login whose
 * registry key is not `host[:port][/path]` cannot be written as a repository URL: an error, and no Secret at all
 * for this ImagePullSecret (the caller fails the whole render). Sorted by namespace, then name.
 */
export function renderRepositoryCredentials(
  imps: ImagePullSecret,
  logins: readonly RegistryLogin[],
  allowed: (namespace: string) => boolean = () => true,
): { secrets: RepositoryCredentialManifest[]; errors: RepositoryCredentialError[] } {
  const entries = entriesOf(imps).filter((entry) => allowed(entry.namespace));
  if (entries.length === 0) return { secrets: [], errors: [] };
  const errors: RepositoryCredentialError[] = [];
  const located: Array<{ login: RegistryLogin; location: Location }> = [];
  for (const login of logins) {
    const location = locationOf(login.registry);
    if (location) located.push({ login, location });
    else errors.push({ field: 'spec.target.repositoryCredentials', message: 'a registry of this ImagePullSecret is not host[:port][/path]: no repository URL can name it' });
  }
  const target = imps.spec.target.secret;
  const baseLabels = { ...target.labels, [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_LABEL]: ownerLabelValue(imps.metadata.name) };
  const secrets: RepositoryCredentialManifest[] = [];
  const names = new Map<string, string>();
  for (const entry of entries) {
    for (const { login, location } of located) {
      const name = repositoryCredentialName(target.name, entry.tool, entry.kind, location.host);
      const key = `${entry.namespace}/${name}`;
      const other = names.get(key);
      if (other !== undefined) {
        errors.push({ field: entry.field, message: `registries ${other} and ${location.identity} share the host ${location.host}, so their Secrets in namespace ${entry.namespace} would have the same name` });
        continue;
      }
      names.set(key, location.identity);
      const annotations = sortKeys({ ...target.annotations, ...(login.expiresAt ? { [EXPIRES_AT_ANNOTATION]: formatTime(login.expiresAt) } : {}) });
      const data = { ...entry.data(location, name), username: login.username, password: login.password };
      secrets.push({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name,
          namespace: entry.namespace,
          labels: sortKeys({ ...baseLabels, [entry.label[0]]: entry.label[1] }),
          ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        },
        type: 'Opaque',
        data: encode(sortKeys(data)),
      });
    }
  }
  if (errors.length > 0) return { secrets: [], errors };
  secrets.sort((a, b) => compareStrings(`${a.metadata.namespace}/${a.metadata.name}`, `${b.metadata.namespace}/${b.metadata.name}`));
  return { secrets, errors };
}

const subdomain = new RegExp(DNS1123_SUBDOMAIN_PATTERN);
/** host[:port][/path]: what a registry key must be to stand in a repository URL (scheme and trailing `/` gone). */
const LOCATION = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)(:[0-9]{1,5})?(\/[-a-z0-9._/]*[a-z0-9])?$/;
const MAX_LOCATION = 512;

function locationOf(registry: string): Location | undefined {
  const identity = registryIdentity(registry);
  if (identity.length > MAX_LOCATION) return undefined;
  const match = LOCATION.exec(identity);
  return match ? { identity, host: match[1]! } : undefined;
}

/**
 * `<secret.name>-<tool>-<type>-<registry host>`: e.g. `regcred-argocd-helm-123456789012.dkr.ecr.eu-west-1.amazonaws.com`
 * or `regcred-kargo-image-myacr.azurecr.io`. The host is the registry's, without port or path. A name longer than a
 * Secret name may be (253) keeps its first 244 characters and ends with `-` and a hash of the whole, as the owner
 * label does; a host that is not a DNS-1123 subdomain (an IPv6 address) is replaced by its hash.
 */
export function repositoryCredentialName(secretName: string, tool: string, kind: string, host: string): string {
  const slug = subdomain.test(host) ? host : `h${fnv1a(host)}`;
  const name = `${secretName}-${tool}-${kind}-${slug}`;
  if (name.length <= DNS1123_SUBDOMAIN_MAX_LENGTH) return name;
  return `${trimEnd(name.slice(0, DNS1123_SUBDOMAIN_MAX_LENGTH - 9))}-${fnv1a(name)}`;
}

/** Whether a Secret's labels make it a repository credential of Argo CD or Kargo. */
export function isRepositoryCredential(labels: Readonly<Record<string, string>>): boolean {
  return labels[ARGOCD_SECRET_TYPE_LABEL] !== undefined || labels[KARGO_CRED_TYPE_LABEL] !== undefined;
}

function trimEnd(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === '-' || text[end - 1] === '.')) end--;
  return text.slice(0, end);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function encode(data: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('base64')]));
}

function sortKeys(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => compareStrings(a, b)));
}
