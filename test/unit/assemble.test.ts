// core/assemble.ts: the pure half of a render. Facts in (what app/resolve.ts would have found), outcomes out: no
// cluster, no token provider, no fake server.
import { describe, expect, it } from 'vitest';
import { assemble, readsCredentials, type RenderFacts } from '../../src/core/assemble.js';
import { EXPIRES_AT_ANNOTATION, IMAGE_PULL_SECRET_ANNOTATION, REFRESHER_ANNOTATION } from '../../src/core/contract.js';
import type { ImpsInput, RenderConsent } from '../../src/core/outcome.js';
import { SHELL_DOCKER_CONFIG } from '../../src/core/render.js';
import type { SourceFacts, TokenResult } from '../../src/core/source-facts.js';
import { tokenRequestKey, type TokenRequest } from '../../src/core/tokens.js';
import { imagePullSecret, namespaceFacts } from '../support/builders.js';

const ECR: TokenRequest = { provider: 'ecr', region: 'eu-west-1', keys: { accessKeyId: 'AKIAKEYS', secretAccessKey: 'CANARY-secret-key' } };
const ECR_HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const EXPIRY = new Date('2026-11-22T12:00:00Z');

const login = (registry: string, username = 'u', password = `pw-${registry}`): SourceFacts => ({
  plan: { kind: 'static', credentials: [{ registry, username, password }] },
});
const token = (request: TokenRequest, registry = ECR_HOST): SourceFacts => ({ plan: { kind: 'token', request, registry } });
const fromCluster = (source: SourceFacts, annotations: Record<string, string>): SourceFacts => ({ ...source, consentOf: { annotations } });

function facts(options: {
  namespaces?: string[];
  sources?: Record<string, SourceFacts>;
  tokens?: Array<[TokenRequest, TokenResult]>;
  pods?: Array<Set<string>>;
}): RenderFacts {
  return {
    namespaces: (options.namespaces ?? ['a', 'b', 'c']).map((name) => namespaceFacts(name)),
    podNamespaces: options.pods ?? [],
    sources: new Map(Object.entries(options.sources ?? {})),
    tokens: new Map((options.tokens ?? []).map(([request, result]) => [tokenRequestKey(request), result])),
  };
}

const secrets = { output: 'secrets', consent: {} } as const;
const one = (input: ImpsInput, given: RenderFacts, options: { output: 'secrets' | 'shells'; consent: RenderConsent } = secrets) => {
  const result = assemble([input], given, options);
  return { outcome: result.outcomes[0]!, problems: result.problems };
};
const dockerConfigOf = (data: string): unknown => JSON.parse(Buffer.from(data, 'base64').toString('utf8'));

describe('assemble', () => {
  it('renders one Secret per selected namespace from static logins, and says each source is Ok', () => {
    const imps = imagePullSecret('p', { credentials: ['creds/hub'], namespaces: ['b', 'a'] });
    const { outcome, problems } = one({ imps }, facts({ sources: { 'creds.hub': login('hub.example') } }));
    expect(problems).toEqual([]);
    expect(outcome.failed).toBe(false);
    expect(outcome.namespaces).toEqual(['a', 'b']);
    expect(outcome.secrets.map((secret) => secret.metadata.namespace)).toEqual(['a', 'b']);
    expect(dockerConfigOf(outcome.secrets[0]!.data['.dockerconfigjson'])).toMatchObject({ auths: { 'hub.example': { username: 'u', password: 'pw-hub.example' } } });
    expect(outcome.sourceStatus).toEqual({ 'creds.hub': 'Ok' });
    expect(outcome.sources).toEqual([{ id: 'creds.hub', key: 'creds.hub', origin: 'secret', kind: 'static', expiresAt: undefined, state: 'ok', status: 'Ok' }]);
  });

  it('takes a token source\'s login from the token minted for its request, and carries its expiry on the source and the Secret', () => {
    const imps = imagePullSecret('p', { credentials: ['creds/ecr'], namespaces: ['a'] });
    const { outcome } = one({ imps }, facts({ sources: { 'creds.ecr': token(ECR) }, tokens: [[ECR, { username: 'AWS', password: 'minted', expiresAt: EXPIRY }]] }));
    expect(outcome.expiresAt).toEqual(EXPIRY);
    expect(outcome.secrets[0]!.metadata.annotations?.[EXPIRES_AT_ANNOTATION]).toBe('2026-11-22T12:00:00Z');
    expect(dockerConfigOf(outcome.secrets[0]!.data['.dockerconfigjson'])).toMatchObject({ auths: { [ECR_HOST]: { username: 'AWS', password: 'minted' } } });
    const [source] = outcome.sources;
    expect(source).toMatchObject({ id: 'creds.ecr', key: 'creds.ecr', kind: 'token', expiresAt: EXPIRY, state: 'ok', status: 'Ok' });
    expect(source!.tokenRequest?.()).toEqual(ECR);
  });

  it('never serializes a token request with the outcome: its keys stay in memory', () => {
    const imps = imagePullSecret('p', { credentials: ['creds/ecr'], namespaces: ['a'] });
    const { outcome } = one({ imps }, facts({ sources: { 'creds.ecr': token(ECR) }, tokens: [[ECR, { username: 'AWS', password: 'minted' }]] }));
    expect(outcome.sources[0]!.tokenRequest).toBeDefined();
    expect(JSON.stringify(outcome.sources)).not.toContain('CANARY');
    expect(JSON.stringify(outcome.sources)).not.toContain('AKIAKEYS');
  });

  it('fails, rendering nothing, when a source failed or its token did not come', () => {
    const imps = imagePullSecret('p', { credentials: ['creds/hub', 'creds/ecr'], namespaces: ['a'] });
    const broken = one({ imps }, facts({ sources: { 'creds.hub': { plan: { error: 'Secret creds/hub not found' } }, 'creds.ecr': token(ECR) }, tokens: [[ECR, { error: 'HTTP 403' }]] }));
    expect(broken.outcome.failed).toBe(true);
    expect(broken.outcome.secrets).toEqual([]);
    expect(broken.outcome.sourceStatus).toEqual({ 'creds.hub': 'Secret creds/hub not found', 'creds.ecr': 'HTTP 403' });
    expect(broken.outcome.sources.map((source) => [source.state, source.kind])).toEqual([
      ['failed', undefined],
      ['failed', 'token'],
    ]);
    expect(broken.problems).toEqual([
      { severity: 'error', resource: { apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', name: 'p' }, file: undefined, source: 'creds.hub', message: 'Secret creds/hub not found' },
      { severity: 'error', resource: { apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', name: 'p' }, file: undefined, source: 'creds.ecr', message: 'HTTP 403' },
    ]);
    // A token resolution never asked for is a bug upstream: reported, never rendered as an empty login.
    const unminted = one({ imps: imagePullSecret('p', { credentials: ['creds/ecr'], namespaces: ['a'] }) }, facts({ sources: { 'creds.ecr': token(ECR) } }));
    expect(unminted.outcome.sourceStatus).toEqual({ 'creds.ecr': 'not minted' });
    expect(unminted.outcome.failed).toBe(true);
  });

  it('denies every namespace, without failing, when a source refuses the ImagePullSecret; and asks for no token', () => {
    const imps = imagePullSecret('p', { credentials: ['creds/ecr'], namespaces: ['a', 'b'] });
    const source = fromCluster(token(ECR), { 'imps-krm.io/allowed-image-pull-secrets': 'other' });
    const { outcome } = one({ imps }, facts({ sources: { 'creds.ecr': source } }));
    expect(outcome.failed).toBe(false);
    expect(outcome.namespaces).toEqual([]);
    expect(outcome.deniedNamespaces).toEqual(['a', 'b']);
    expect(outcome.sources[0]).toMatchObject({ state: 'refused', kind: 'token', status: "ImagePullSecret p is not in the source Secret's imps-krm.io/allowed-image-pull-secrets annotation" });
    expect(outcome.namespaceDenials('elsewhere')).toEqual([outcome.sources[0]!.status]);
  });

  it('leaves out only the namespaces a source does not allow', () => {
    const imps = imagePullSecret('p', { credentials: ['creds/hub'], namespaces: ['a', 'b'] });
    const source = fromCluster(login('hub.example'), { 'imps-krm.io/allowed-namespaces': 'a' });
    const { outcome, problems } = one({ imps }, facts({ sources: { 'creds.hub': source } }));
    expect(outcome.namespaces).toEqual(['a']);
    expect(outcome.deniedNamespaces).toEqual(['b']);
    expect(outcome.secrets.map((secret) => secret.metadata.namespace)).toEqual(['a']);
    expect(outcome.sources[0]).toMatchObject({ state: 'partly-denied', status: "namespace b is not in the source Secret's imps-krm.io/allowed-namespaces annotation" });
    expect(problems.map((problem) => problem.message)).toEqual([
      "namespace b is not in the source Secret's imps-krm.io/allowed-namespaces annotation: this ImagePullSecret's Secret is not rendered there",
    ]);
    expect(outcome.namespaceDenials('a')).toEqual([]);
    expect(outcome.namespaceDenials('z')).toHaveLength(1);
  });

  it('renders shells from the selection alone: no source is looked at, every source is not-read', () => {
    expect(readsCredentials('shells')).toBe(false);
    expect(readsCredentials('secrets')).toBe(true);
    const imps = imagePullSecret('p', { credentials: ['creds/hub'], inline: [{ type: 'imps-krm.io/ecr-public-login-config' }], namespaces: ['a'] });
    // No facts about the sources at all: assembling shells must not need them.
    const { outcome, problems } = one({ imps }, facts({}), { output: 'shells', consent: { project: 'team', requireConsent: true } });
    expect(problems).toEqual([]);
    expect(outcome.secrets).toHaveLength(1);
    expect(outcome.secrets[0]!.data['.dockerconfigjson']).toBe(SHELL_DOCKER_CONFIG);
    expect(outcome.secrets[0]!.metadata.annotations).toEqual({ [IMAGE_PULL_SECRET_ANNOTATION]: 'p', [REFRESHER_ANNOTATION]: 'true' });
    expect(outcome.sources.map((source) => [source.id, source.key, source.origin, source.state])).toEqual([
      ['creds.hub', 'creds.hub', 'secret', 'not-read'],
      ['inline[0]', 'p.inline[0]', 'inline', 'not-read'],
    ]);
  });

  it('fails on two sources giving one registry different logins, naming both', () => {
    const imps = imagePullSecret('p', { credentials: ['creds/one', 'creds/two'], namespaces: ['a'] });
    const { outcome, problems } = one({ imps }, facts({ sources: { 'creds.one': login('hub.example', 'x'), 'creds.two': login('hub.example', 'y') } }));
    expect(outcome.failed).toBe(true);
    expect(problems).toMatchObject([{ field: 'spec.registry.credentials', message: 'registry hub.example is given by both creds.one and creds.two with different logins; keep it in one source' }]);
  });

  it('selects by Pods as resolution found them, warns of a listed namespace that does not exist, reports excluded ones', () => {
    const imps = imagePullSecret('p', {
      credentials: ['creds/hub'],
      target: { namespaces: { names: ['a', 'gone'] }, namespacesWithPods: { labels: [{ matchLabels: { app: 'x' } }] }, excludeNamespaces: ['c'] },
    });
    const { outcome, problems } = one({ imps }, facts({ sources: { 'creds.hub': login('hub.example') }, pods: [new Set(['b', 'c'])] }));
    expect(outcome.namespaces).toEqual(['a', 'b']);
    expect(outcome.excludedNamespaces).toEqual(['c']);
    expect(problems).toMatchObject([{ severity: 'warning', field: 'spec.target.namespaces.names', message: 'namespace gone does not exist; skipped' }]);
  });

  it('reports two ImagePullSecrets writing the same Secret', () => {
    const sources = { 'creds.hub': login('hub.example') };
    const result = assemble(
      [{ imps: imagePullSecret('first', { credentials: ['creds/hub'], namespaces: ['a'] }) }, { imps: imagePullSecret('second', { credentials: ['creds/hub'], namespaces: ['a', 'b'] }) }],
      facts({ sources }),
      secrets,
    );
    expect(result.problems).toMatchObject([{ field: 'spec.target.secret.name', message: 'Secret a/pull is also rendered by ImagePullSecret first', resource: { name: 'second' } }]);
  });

  it('is a function of its arguments: equal calls give equal outcomes', () => {
    const imps = imagePullSecret('p', { credentials: ['creds/ecr'], namespaces: ['a', 'b'] });
    const given = facts({ sources: { 'creds.ecr': token(ECR) }, tokens: [[ECR, { username: 'AWS', password: 'minted', expiresAt: EXPIRY }]] });
    expect(JSON.stringify(assemble([{ imps }], given, secrets))).toBe(JSON.stringify(assemble([{ imps }], given, secrets)));
  });
});

describe('assemble: spec.target.repositoryCredentials', () => {
  const withExtension = (namespaces: string[], extension: Record<string, unknown>) => {
    const imps = imagePullSecret('p', { credentials: ['creds/hub', 'creds/ecr'], namespaces });
    return { ...imps, spec: { ...imps.spec, target: { ...imps.spec.target, repositoryCredentials: extension } } } as typeof imps;
  };
  const given = (sources: Record<string, SourceFacts>, options: { live?: boolean; namespaces?: string[] } = {}): RenderFacts => ({
    ...facts({ namespaces: options.namespaces ?? ['a', 'argocd', 'kargo'], sources, tokens: [[ECR, { username: 'AWS', password: 'minted', expiresAt: EXPIRY }]] }),
    live: options.live ?? false,
  });
  const extension = { argocd: [{}], kargo: [{ namespace: 'kargo', credType: 'image' }] };
  const names = (outcome: { repositoryCredentials: readonly { metadata: { namespace: string; name: string } }[] }): string[] =>
    outcome.repositoryCredentials.map(({ metadata }) => `${metadata.namespace}/${metadata.name}`);

  it('renders one credential per login and entry beside the pull Secrets, each with its login\'s expiry', () => {
    const { outcome, problems } = one({ imps: withExtension(['a'], extension) }, given({ 'creds.hub': login('hub.example'), 'creds.ecr': token(ECR) }));
    expect(problems).toEqual([]);
    expect(names(outcome)).toEqual([`argocd/pull-argocd-helm-${ECR_HOST}`, 'argocd/pull-argocd-helm-hub.example', `kargo/pull-kargo-image-${ECR_HOST}`, 'kargo/pull-kargo-image-hub.example']);
    expect(outcome.repositoryCredentials.map((secret) => secret.metadata.annotations?.[EXPIRES_AT_ANNOTATION])).toEqual(['2026-11-22T12:00:00Z', undefined, '2026-11-22T12:00:00Z', undefined]);
    expect(outcome.secrets.map((secret) => secret.metadata.namespace)).toEqual(['a']);
  });

  it('holds every source to its consent in the extension\'s namespaces: no credential at all where one source does not allow it', () => {
    const hub = fromCluster(login('hub.example'), { 'imps-krm.io/allowed-namespaces': 'a, kargo' });
    const { outcome, problems } = one({ imps: withExtension(['a'], extension) }, given({ 'creds.hub': hub, 'creds.ecr': token(ECR) }));
    expect(names(outcome)).toEqual([`kargo/pull-kargo-image-${ECR_HOST}`, 'kargo/pull-kargo-image-hub.example']);
    expect(outcome.deniedRepositoryNamespaces).toEqual(['argocd']);
    expect(outcome.namespaces).toEqual(['a']);
    expect(problems.map((problem) => problem.message)).toEqual([
      "namespace argocd is not in the source Secret's imps-krm.io/allowed-namespaces annotation: this ImagePullSecret's repository credentials are not rendered there",
    ]);
    // A refusal of the whole ImagePullSecret denies the extension's namespaces too.
    const refusing = fromCluster(login('hub.example'), { 'imps-krm.io/allowed-image-pull-secrets': 'other' });
    const refused = one({ imps: withExtension(['a'], extension) }, given({ 'creds.hub': refusing, 'creds.ecr': token(ECR) })).outcome;
    expect(refused.repositoryCredentials).toEqual([]);
    expect(refused.deniedRepositoryNamespaces).toEqual(['argocd', 'kargo']);
  });

  it('skips a namespace missing from a live cluster with a warning, never one the input does not mention', () => {
    const sources = { 'creds.hub': login('hub.example'), 'creds.ecr': token(ECR) };
    const live = one({ imps: withExtension(['a'], extension) }, given(sources, { live: true, namespaces: ['a', 'kargo'] }));
    expect(names(live.outcome)).toEqual([`kargo/pull-kargo-image-${ECR_HOST}`, 'kargo/pull-kargo-image-hub.example']);
    expect(live.problems).toEqual([expect.objectContaining({ severity: 'warning', message: 'namespace argocd does not exist; its repository credentials are skipped' })]);
    const input = one({ imps: withExtension(['a'], extension) }, given(sources, { live: false, namespaces: ['a'] }));
    expect(input.outcome.repositoryCredentials).toHaveLength(4);
    expect(input.problems).toEqual([]);
  });

  it('renders none for shells or when a source fails, and fails on a login no URL can name', () => {
    const shells = one({ imps: withExtension(['a'], extension) }, given({}), { output: 'shells', consent: {} }).outcome;
    expect(shells.repositoryCredentials).toEqual([]);
    expect(readsCredentials('shells')).toBe(false);
    const failing = one({ imps: withExtension(['a'], extension) }, given({ 'creds.hub': login('hub.example'), 'creds.ecr': { plan: { error: 'Secret creds/ecr not found' } } })).outcome;
    expect(failing.failed).toBe(true);
    expect(failing.repositoryCredentials).toEqual([]);
    const odd = one({ imps: withExtension(['a'], extension) }, given({ 'creds.hub': login('not a registry'), 'creds.ecr': token(ECR) }));
    expect(odd.outcome.failed).toBe(true);
    expect(odd.outcome.secrets).toEqual([]);
    expect(odd.outcome.repositoryCredentials).toEqual([]);
    expect(odd.problems.map((problem) => problem.field)).toEqual(['spec.target.repositoryCredentials']);
  });

  it('says when two ImagePullSecrets would write the same credential', () => {
    const first = withExtension(['a'], { argocd: [{}] });
    const second = { ...first, metadata: { name: 'q' } };
    const result = assemble([{ imps: first }, { imps: second }], given({ 'creds.hub': login('hub.example'), 'creds.ecr': token(ECR) }), secrets);
    expect(result.problems.map((problem) => `${problem.field}: ${problem.message}`)).toEqual([
      'spec.target.secret.name: Secret a/pull is also rendered by ImagePullSecret p',
      `spec.target.repositoryCredentials: Secret argocd/pull-argocd-helm-${ECR_HOST} is also rendered by ImagePullSecret p`,
      'spec.target.repositoryCredentials: Secret argocd/pull-argocd-helm-hub.example is also rendered by ImagePullSecret p',
    ]);
  });
});
