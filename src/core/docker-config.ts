import { compareStrings } from './targets.js';
import { trimTrailing } from './text.js';

/** One registry login, as the kubelet reads it from `auths`. */
export interface RegistryCredential {
  readonly registry: string;
  readonly username: string;
  readonly password: string;
}

/** Credentials one source contributes, with the earliest moment any of them stops working. */
export interface SourceCredentials {
  /** `<namespace>.<name>` of the source Secret, or another stable source id. */
  readonly source: string;
  readonly credentials: readonly RegistryCredential[];
  readonly expiresAt?: Date | undefined;
}

export interface DockerConfigEntry {
  readonly username: string;
  readonly password: string;
  readonly auth: string;
}

export interface MergedDockerConfig {
  readonly auths: Readonly<Record<string, DockerConfigEntry>>;
  readonly expiresAt?: Date | undefined;
}

/** One registry login of a merged config, with the expiry of the token it came from: what a one-login format holds. */
export interface RegistryLogin extends RegistryCredential {
  readonly expiresAt?: Date | undefined;
}

export interface MergeConflict {
  readonly registry: string;
  readonly sources: readonly [string, string];
}

/**
 * The key used to detect two sources giving the same registry: `https://index.docker.io/v1/` and
 * `index.docker.io/v1` are the same registry to the kubelet.
 */
export function registryIdentity(registry: string): string {
  return trimTrailing(registry.replace(/^[a-z]+:\/\//i, ''), '/').toLowerCase();
}

/**
 * Why a username cannot be rendered, when it cannot: the kubelet (and docker) read a login from `auth`, the base64 of
 * `username:password`, split at the first colon, so a username holding one would be read as another login. HTTP basic
 * authentication forbids it too (RFC 7617: a user-id may not contain a colon). Found by test/fuzz/sources.test.ts.
 */
export function usernameProblem(username: string): string | undefined {
  return username.includes(':') ? 'contains a colon: the kubelet reads `auth` (base64 of username:password) split at the first colon, so the login would be another' : undefined;
}

export const basicAuth = (username: string, password: string): string =>
  Buffer.from(`${username}:${password}`, 'utf8').toString('base64');

/**
 * Merges every source into one `auths` map. Deterministic: entries are sorted by registry. Two sources giving the
 * same registry with different logins is a conflict naming both (IMPS picked one at random); identical logins merge.
 */
export function mergeCredentials(sources: readonly SourceCredentials[]): {
  config: MergedDockerConfig;
  conflicts: MergeConflict[];
  /** The logins of `config.auths`, in the same order, each with its own source's expiry. */
  logins: RegistryLogin[];
} {
  const byIdentity = new Map<string, { registry: string; source: string; credential: RegistryCredential; expiresAt: Date | undefined }>();
  const conflicts: MergeConflict[] = [];
  let expiresAt: Date | undefined;
  for (const source of sources) {
    if (source.expiresAt && (!expiresAt || source.expiresAt < expiresAt)) expiresAt = source.expiresAt;
    for (const credential of source.credentials) {
      const identity = registryIdentity(credential.registry);
      const seen = byIdentity.get(identity);
      if (!seen) {
        byIdentity.set(identity, { registry: credential.registry, source: source.source, credential, expiresAt: source.expiresAt });
      } else if (seen.credential.username === credential.username && seen.credential.password === credential.password) {
        // The same login from two sources: it stops working at the earlier of their expiries.
        if (source.expiresAt && (!seen.expiresAt || source.expiresAt < seen.expiresAt)) seen.expiresAt = source.expiresAt;
      } else {
        conflicts.push({ registry: credential.registry, sources: [seen.source, source.source] });
      }
    }
  }
  const auths: Record<string, DockerConfigEntry> = {};
  const logins: RegistryLogin[] = [];
  for (const { registry, credential, expiresAt: until } of [...byIdentity.values()].sort((a, b) => compareStrings(a.registry, b.registry))) {
    auths[registry] = {
      username: credential.username,
      password: credential.password,
      auth: basicAuth(credential.username, credential.password),
    };
    logins.push({ registry, username: credential.username, password: credential.password, expiresAt: until });
  }
  return { config: { auths, expiresAt }, conflicts, logins };
}

/** The exact bytes of `.dockerconfigjson`: same config, same bytes. */
export function encodeDockerConfig(config: MergedDockerConfig): string {
  return JSON.stringify({ auths: config.auths });
}
