// The Argo CD and Kargo credential formats (src/core/repository-credentials.ts), checked against the matching rules of
// the tools that read them: Argo CD's repo-creds is a plain string prefix of the normalised repository URL
// (util/db/repository_secrets.go getRepositoryCredentialIndex), a repository an exact URL; Kargo tests repoURL as a
// regular expression against the URL as written and as normalised (pkg/credentials/kubernetes/database.go).
import { describe, expect, it } from 'vitest';
import { validateImps } from '../../src/app/select-inputs.js';
import { mergeCredentials, type RegistryLogin } from '../../src/core/docker-config.js';
import { renderRepositoryCredentials, repositoryCredentialName, repositoryCredentialNamespaces, type RepositoryCredentialManifest } from '../../src/core/repository-credentials.js';
import type { ImagePullSecret } from '../../src/generated/image-pull-secret.js';
import { DNS1123_SUBDOMAIN_PATTERN } from '../../src/validation/name-patterns.js';

const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const EXPIRES = new Date('2026-11-22T12:00:00Z');

function spec(repositoryCredentials: unknown, name = 'regcred'): ImagePullSecret {
  const value = {
    apiVersion: 'images.banzaicloud.io/v1alpha1',
    kind: 'ImagePullSecret',
    metadata: { name: 'charts' },
    spec: { registry: { credentials: [{ name: 's', namespace: 'creds' }] }, target: { secret: { name, labels: { team: 'a' } }, repositoryCredentials } },
  };
  const result = validateImps(value);
  if (Array.isArray(result)) throw new Error(result.map((problem) => `${problem.field}: ${problem.message}`).join('; '));
  return result.imps;
}

const problemsOf = (repositoryCredentials: unknown): string[] => {
  const result = validateImps({
    apiVersion: 'images.banzaicloud.io/v1alpha1',
    kind: 'ImagePullSecret',
    metadata: { name: 'charts' },
    spec: { registry: { credentials: [{ name: 's', namespace: 'creds' }] }, target: { secret: { name: 'regcred' }, repositoryCredentials } },
  });
  return Array.isArray(result) ? result.map((problem) => `${problem.field}: ${problem.message}`) : [];
};

const plain = (secret: RepositoryCredentialManifest): Record<string, string> =>
  Object.fromEntries(Object.entries(secret.data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));

const ecrLogin = { registry: ECR, username: 'AWS', password: 'ecr-token', expiresAt: EXPIRES };
const render = (extension: unknown, logins: readonly RegistryLogin[] = [ecrLogin]) => renderRepositoryCredentials(spec(extension), logins);

/** Argo CD's choice of a credential template for a repository URL (lower-cased; the URLs here need nothing more). */
function argoTemplateFor(repoURL: string, templates: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const url of templates) if (repoURL.toLowerCase().startsWith(url.toLowerCase()) && url.length > (best?.length ?? 0)) best = url;
  return best;
}

describe('Argo CD credentials', () => {
  it('renders a Helm OCI repo-creds template by default: scheme-less url ending in /, type helm, enableOCI', () => {
    const { secrets, errors } = render({ argocd: [{}] });
    expect(errors).toEqual([]);
    expect(secrets).toHaveLength(1);
    expect(secrets[0]!.metadata).toEqual({
      name: `regcred-argocd-helm-${ECR}`,
      namespace: 'argocd',
      labels: { 'app.kubernetes.io/managed-by': 'imps-krm', 'argocd.argoproj.io/secret-type': 'repo-creds', 'imps-krm.io/owner': 'charts', team: 'a' },
      annotations: { 'imps-krm.io/expires-at': '2026-11-22T12:00:00Z' },
    });
    expect(secrets[0]!.type).toBe('Opaque');
    expect(plain(secrets[0]!)).toEqual({ url: `${ECR}/`, type: 'helm', enableOCI: 'true', username: 'AWS', password: 'ecr-token' });
  });

  it('renders OCI (Argo CD 3.1+) with oci://, and a project-scoped repository with name, project and an exact url', () => {
    const { secrets } = render({ argocd: [{ type: 'oci', namespace: 'gitops' }, { secretType: 'repository', type: 'oci', path: 'charts/app', project: 'team-a' }, { secretType: 'repository', namespace: 'gitops' }] });
    const byName = Object.fromEntries(secrets.map((secret) => [`${secret.metadata.namespace}/${secret.metadata.name}`, plain(secret)]));
    expect(byName).toEqual({
      [`argocd/regcred-argocd-oci-${ECR}`]: { url: `oci://${ECR}/charts/app`, type: 'oci', name: `regcred-argocd-oci-${ECR}`, project: 'team-a', username: 'AWS', password: 'ecr-token' },
      [`gitops/regcred-argocd-helm-${ECR}`]: { url: ECR, type: 'helm', enableOCI: 'true', name: `regcred-argocd-helm-${ECR}`, username: 'AWS', password: 'ecr-token' },
      [`gitops/regcred-argocd-oci-${ECR}`]: { url: `oci://${ECR}/`, type: 'oci', username: 'AWS', password: 'ecr-token' },
    });
    expect(secrets.map((secret) => secret.metadata.labels['argocd.argoproj.io/secret-type'])).toEqual(['repository', 'repository', 'repo-creds']);
  });

  it('a template prefixes every repository of its registry and no other host (Argo CD picks the longest prefix)', () => {
    const { secrets } = render({ argocd: [{}, { type: 'oci' }, { namespace: 'other', path: 'charts' }] });
    const urls = secrets.map((secret) => plain(secret)['url']!);
    expect(argoTemplateFor(`${ECR}/charts/app`, urls)).toBe(`${ECR}/charts`);
    // Helm charts: repoURL is the repository path, the chart apart.
    expect(argoTemplateFor(`${ECR}/charts`, urls)).toBe(`${ECR}/charts`);
    expect(argoTemplateFor(`${ECR}/app`, urls)).toBe(`${ECR}/`);
    expect(argoTemplateFor(`oci://${ECR}/app`, urls)).toBe(`oci://${ECR}/`);
    // Without the trailing /, `${ECR}` would prefix this host and hand it the token.
    expect(argoTemplateFor(`${ECR}.attacker.example/app`, urls)).toBeUndefined();
    expect(argoTemplateFor(`${ECR}.attacker.example/charts/app`, urls)).toBeUndefined();
    expect(argoTemplateFor(`oci://${ECR}.attacker.example/app`, urls)).toBeUndefined();
    // The registry host alone (chart at the root) needs a repository Secret, matched exactly.
    expect(argoTemplateFor(ECR, urls)).toBeUndefined();
  });

  it('refuses project without secretType repository, as Argo CD repo-creds have no project', () => {
    expect(problemsOf({ argocd: [{ project: 'team-a' }] })).toEqual(['spec.target.repositoryCredentials.argocd[0].secretType: required']);
    expect(problemsOf({ argocd: [{ secretType: 'repo-creds', project: 'team-a' }] })).toEqual(['spec.target.repositoryCredentials.argocd[0].secretType: must be repository']);
    expect(problemsOf({ argocd: [{ secretType: 'repository', project: 'team-a' }] })).toEqual([]);
  });
});

describe('Kargo credentials', () => {
  it('renders one anchored pattern per registry (Kargo matches repoURL exactly otherwise)', () => {
    const { secrets } = render({ kargo: [{ namespace: 'kargo-demo', credType: 'image' }, { namespace: 'kargo-shared-resources', credType: 'helm', path: 'team-a' }] });
    expect(secrets.map((secret) => [secret.metadata.namespace, secret.metadata.name, secret.metadata.labels['kargo.akuity.io/cred-type']])).toEqual([
      ['kargo-demo', `regcred-kargo-image-${ECR}`, 'image'],
      ['kargo-shared-resources', `regcred-kargo-helm-${ECR}`, 'helm'],
    ]);
    const [image, helm] = secrets.map(plain);
    expect(image).toEqual({ repoURL: `^${ECR.replaceAll('.', '\\.')}/`, repoURLIsRegex: 'true', username: 'AWS', password: 'ecr-token' });
    const imagePattern = new RegExp(image!['repoURL']!);
    for (const url of [`${ECR}/app`, `${ECR}/team/app`]) expect(imagePattern.test(url), url).toBe(true);
    for (const url of [`${ECR}.attacker.example/app`, `x${ECR}/app`, `123456789012xdkrxecr.eu-west-1.amazonaws.com/app`]) expect(imagePattern.test(url), url).toBe(false);
    // Charts: Kargo also tests the URL with oci:// stripped (urls.NormalizeChart), which is what the pattern anchors.
    const helmPattern = new RegExp(helm!['repoURL']!);
    for (const url of [`${ECR}/team-a`, `${ECR}/team-a/chart`]) expect(helmPattern.test(url), url).toBe(true);
    for (const url of [`${ECR}/team-ab/chart`, `${ECR}/team/chart`, `oci://${ECR}.attacker.example/team-a/x`]) expect(helmPattern.test(url), url).toBe(false);
  });

  it('requires a namespace and a credential type', () => {
    expect(problemsOf({ kargo: [{}] })).toEqual(['spec.target.repositoryCredentials.kargo[0].namespace: required', 'spec.target.repositoryCredentials.kargo[0].credType: required']);
    expect(problemsOf({ kargo: [{ namespace: 'p', credType: 'git' }] })).toEqual(['spec.target.repositoryCredentials.kargo[0].credType: must be one of image, helm']);
  });
});

describe('one Secret per login', () => {
  it('writes each login with its own expiry (a static login has none), sorted by namespace and name', () => {
    const { config, logins } = mergeCredentials([
      { source: 'creds.hub', credentials: [{ registry: 'https://Quay.io/', username: 'robot', password: 'static' }] },
      { source: 'creds.ecr', credentials: [{ registry: ECR, username: 'AWS', password: 'ecr-token' }], expiresAt: EXPIRES },
    ]);
    expect(config.expiresAt).toEqual(EXPIRES);
    const { secrets } = render({ argocd: [{}] }, logins);
    expect(secrets.map((secret) => [secret.metadata.name, secret.metadata.annotations?.['imps-krm.io/expires-at'], plain(secret)['url']])).toEqual([
      [`regcred-argocd-helm-${ECR}`, '2026-11-22T12:00:00Z', `${ECR}/`],
      ['regcred-argocd-helm-quay.io', undefined, 'quay.io/'],
    ]);
  });

  it('the same login from two sources expires with the earlier one', () => {
    const later = new Date('2026-11-22T18:00:00Z');
    const { logins } = mergeCredentials([
      { source: 'a', credentials: [{ registry: ECR, username: 'AWS', password: 'p' }], expiresAt: later },
      { source: 'b', credentials: [{ registry: ECR, username: 'AWS', password: 'p' }], expiresAt: EXPIRES },
    ]);
    expect(logins).toEqual([{ registry: ECR, username: 'AWS', password: 'p', expiresAt: EXPIRES }]);
  });

  it('fails the whole extension when two registries share a host, or a registry is no host[:port][/path]', () => {
    const ports = render({ argocd: [{}] }, [
      { registry: 'registry.example.com:5000', username: 'a', password: 'a' },
      { registry: 'registry.example.com:5001', username: 'b', password: 'b' },
    ]);
    expect(ports.secrets).toEqual([]);
    expect(ports.errors).toEqual([
      {
        field: 'spec.target.repositoryCredentials.argocd[0]',
        message: 'registries registry.example.com:5000 and registry.example.com:5001 share the host registry.example.com, so their Secrets in namespace argocd would have the same name',
      },
    ]);
    const odd = render({ argocd: [{}] }, [ecrLogin, { registry: 'not a host', username: 'a', password: 'a' }]);
    expect(odd).toEqual({ secrets: [], errors: [{ field: 'spec.target.repositoryCredentials', message: 'a registry of this ImagePullSecret is not host[:port][/path]: no repository URL can name it' }] });
  });

  it('keeps a port and a path in the URLs (not in the name)', () => {
    const { secrets } = render({ argocd: [{ type: 'oci' }], kargo: [{ namespace: 'k', credType: 'image' }] }, [{ registry: 'http://127.0.0.1:5000/mirror/', username: 'a', password: 'b' }]);
    expect(secrets.map((secret) => [secret.metadata.name, plain(secret)['url'] ?? plain(secret)['repoURL']])).toEqual([
      ['regcred-argocd-oci-127.0.0.1', 'oci://127.0.0.1:5000/mirror/'],
      ['regcred-kargo-image-127.0.0.1', '^127\\.0\\.0\\.1:5000/mirror/'],
    ]);
  });

  it('refuses two entries of one tool, type and namespace (same names), and lists the namespaces for consent', () => {
    expect(problemsOf({ argocd: [{}, { namespace: 'argocd', secretType: 'repository' }] })).toEqual([
      'spec.target.repositoryCredentials.argocd[1]: same namespace and type as spec.target.repositoryCredentials.argocd[0]: their Secrets would have the same names',
    ]);
    expect(repositoryCredentialNamespaces(spec({ argocd: [{}, { type: 'oci', namespace: 'gitops' }], kargo: [{ namespace: 'kargo-demo', credType: 'image' }, { namespace: 'argocd', credType: 'helm' }] }))).toEqual([
      'argocd',
      'gitops',
      'kargo-demo',
    ]);
    expect(problemsOf({})).toEqual(['spec.target.repositoryCredentials: must NOT have fewer than 1 properties']);
    expect(problemsOf({ argocd: [{ path: 'Charts//x' }] })).toEqual([expect.stringMatching(/^spec\.target\.repositoryCredentials\.argocd\[0\]\.path: invalid repository path/)]);
  });
});

describe('names', () => {
  const subdomain = new RegExp(DNS1123_SUBDOMAIN_PATTERN);

  it('is <secret>-<tool>-<type>-<host>, a DNS-1123 subdomain', () => {
    expect(repositoryCredentialName('regcred', 'argocd', 'helm', 'myacr.azurecr.io')).toBe('regcred-argocd-helm-myacr.azurecr.io');
    expect(repositoryCredentialName('a.b', 'kargo', 'image', 'europe-west1-docker.pkg.dev')).toBe('a.b-kargo-image-europe-west1-docker.pkg.dev');
  });

  it('shortens to 253 characters with a hash of the whole, and hashes a host that is no subdomain', () => {
    const long = `${'a'.repeat(62)}.${'b'.repeat(62)}.${'c'.repeat(62)}.${'d'.repeat(62)}`;
    const name = repositoryCredentialName(long, 'argocd', 'helm', ECR);
    expect(name.length).toBeLessThanOrEqual(253);
    expect(name).toMatch(subdomain);
    expect(name).toMatch(/-[0-9a-f]{8}$/);
    expect(repositoryCredentialName(long, 'argocd', 'helm', `x${ECR}`)).not.toBe(name);
    expect(repositoryCredentialName('regcred', 'argocd', 'helm', 'a..b')).toMatch(/^regcred-argocd-helm-h[0-9a-f]{8}$/);
  });
});
