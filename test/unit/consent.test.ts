import { describe, expect, it } from 'vitest';
import { runRenderPipeline, type RenderConsent } from '../../src/app/render-pipeline.js';
import { ambientIdentityDenial, parseNameList, sourceConsent, type ConsentContext } from '../../src/core/consent.js';
import { ambientIdentityOf, type TokenRequest } from '../../src/core/tokens.js';
import type { ImagePullSecret } from '../../src/generated/image-pull-secret.js';
import type { SourceSecret } from '../../src/core/sources.js';
import { SHELL_DOCKER_CONFIG } from '../../src/core/render.js';
import { dockerConfigSource, ecrSource, imagePullSecret, memoryCluster, recordingTokens, type ImpsOptions } from '../support/builders.js';

// docs/security.md, "Tenant isolation: who may use a source": the pure decision, then the shared pipeline that every
// face and the controller render through.

const PROJECTS = 'imps-krm.io/allowed-projects';
const SPECS = 'imps-krm.io/allowed-image-pull-secrets';
const NAMESPACES = 'imps-krm.io/allowed-namespaces';

const live = (over: Partial<ConsentContext> = {}): ConsentContext => ({ imagePullSecret: 'team-pull', namespaces: ['shop'], fromInput: false, ...over });

describe('sourceConsent', () => {
  it('outside Argo CD and without --require-source-consent, a source without annotations is usable everywhere (IMPS behaviour)', () => {
    expect(sourceConsent(undefined, live())).toEqual({ deniedNamespaces: [] });
    expect(sourceConsent({}, live({ namespaces: ['a', 'b'] }))).toEqual({ deniedNamespaces: [] });
  });

  it('for an Argo CD project, a live source Secret must name the project: absent means denied', () => {
    expect(sourceConsent({}, live({ project: 'team-a' })).denied).toBe(
      'Argo CD project team-a: the source Secret has no imps-krm.io/allowed-projects annotation, and a Secret read from the cluster for Argo CD must name the projects that may use it',
    );
    expect(sourceConsent({ [PROJECTS]: 'team-b, platform' }, live({ project: 'team-a' })).denied).toBe(
      "Argo CD project team-a is not in the source Secret's imps-krm.io/allowed-projects annotation",
    );
    expect(sourceConsent({ [PROJECTS]: 'team-b, team-a' }, live({ project: 'team-a' })).denied).toBeUndefined();
    expect(sourceConsent({ [PROJECTS]: 'team-*' }, live({ project: 'team-a' })).denied).toBeUndefined();
    expect(sourceConsent({ [PROJECTS]: 'team-*' }, live({ project: 'teams' })).denied).toBeDefined();
  });

  it('an empty annotation, or one that is not a string, allows nothing', () => {
    expect(sourceConsent({ [PROJECTS]: '' }, live({ project: 'team-a' })).denied).toMatch(/is not in/);
    expect(sourceConsent({ [PROJECTS]: ' , ' }, live({ project: 'team-a' })).denied).toMatch(/is not in/);
    expect(sourceConsent({ [NAMESPACES]: true }, live()).deniedNamespaces).toHaveLength(1);
  });

  it('an unknown Argo CD project (no ARGOCD_APP_PROJECT_NAME) is named by no list, only by *', () => {
    expect(sourceConsent({ [PROJECTS]: 'default' }, live({ project: '' })).denied).toMatch(/^the Argo CD project is unknown \(ARGOCD_APP_PROJECT_NAME is not set/);
    expect(sourceConsent({ [PROJECTS]: '*' }, live({ project: '' })).denied).toBeUndefined();
  });

  it('checks the ImagePullSecret name when the annotation is given, and requires it with requireConsent', () => {
    expect(sourceConsent({ [SPECS]: 'other' }, live()).denied).toBe("ImagePullSecret team-pull is not in the source Secret's imps-krm.io/allowed-image-pull-secrets annotation");
    expect(sourceConsent({ [SPECS]: 'team-*' }, live()).denied).toBeUndefined();
    expect(sourceConsent({}, live({ requireConsent: true })).denied).toBe(
      'the source Secret has no imps-krm.io/allowed-image-pull-secrets annotation, which --require-source-consent requires',
    );
  });

  it('names each target namespace the source does not allow', () => {
    expect(sourceConsent({ [NAMESPACES]: 'shop-*,billing' }, live({ namespaces: ['shop-eu', 'billing', 'payments'] })).deniedNamespaces).toEqual([
      { namespace: 'payments', reason: "namespace payments is not in the source Secret's imps-krm.io/allowed-namespaces annotation" },
    ]);
    expect(sourceConsent({ [SPECS]: '*' }, live({ namespaces: ['a'], requireConsent: true })).deniedNamespaces).toEqual([
      { namespace: 'a', reason: 'namespace a: the source Secret has no imps-krm.io/allowed-namespaces annotation, which --require-source-consent requires' },
    ]);
  });

  it('a Secret among the input manifests is the repository\'s own data: no annotation is needed or read', () => {
    const input = live({ fromInput: true, project: 'team-a', requireConsent: true, namespaces: ['x'] });
    expect(sourceConsent({}, input)).toEqual({ deniedNamespaces: [] });
    expect(sourceConsent({ [PROJECTS]: 'nobody', [NAMESPACES]: 'nowhere' }, input)).toEqual({ deniedNamespaces: [] });
  });

  it('parses comma-separated lists, trimming blanks', () => {
    expect(parseNameList(' a, b ,,team-* ')).toEqual(['a', 'b', 'team-*']);
    expect(parseNameList('')).toEqual([]);
  });
});

describe('ambient identity: who may mint with the renderer\'s own cloud identity', () => {
  const keyless: TokenRequest[] = [
    { provider: 'ecr', region: 'eu-west-1' },
    { provider: 'ecr', region: 'eu-west-1', roleArn: 'arn:aws:iam::123456789012:role/pull' },
    { provider: 'ecr-public' },
    { provider: 'acr', registry: 'r.azurecr.io', identity: { kind: 'ManagedIdentity' }, cloud: 'PublicCloud' },
    { provider: 'acr', registry: 'r.azurecr.io', identity: { kind: 'WorkloadIdentity' }, cloud: 'PublicCloud' },
    { provider: 'gar' },
  ];
  const keyed: TokenRequest[] = [
    { provider: 'ecr', region: 'eu-west-1', keys: { accessKeyId: 'AKIA', secretAccessKey: 's' } },
    { provider: 'ecr-public', keys: { accessKeyId: 'AKIA', secretAccessKey: 's' }, roleArn: 'arn:aws:iam::1:role/r' },
    { provider: 'acr', registry: 'r.azurecr.io', identity: { kind: 'ServicePrincipal', clientId: 'c', tenantId: 't', clientSecret: 's' }, cloud: 'PublicCloud' },
    { provider: 'gar', serviceAccountKey: '{}' },
  ];

  it('knows which requests are keyless', () => {
    expect(keyless.map(ambientIdentityOf).every((identity) => identity !== undefined)).toBe(true);
    expect(keyed.map(ambientIdentityOf)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('refuses a keyless request for an Argo CD project the operator did not list, and nothing else', () => {
    for (const request of keyless) {
      expect(ambientIdentityDenial(request, 'team-a', [])).toMatch(/^this source mints with the process's .*, which the operator has not allowed for Argo CD project team-a \(IMPS_KRM_AMBIENT_IDENTITY_PROJECTS\)$/);
      expect(ambientIdentityDenial(request, 'team-a', ['platform', 'team-*'])).toBeUndefined();
      expect(ambientIdentityDenial(request, '', ['team-*'])).toMatch(/unknown Argo CD project/);
      // Outside Argo CD the person or controller running imps-krm owns the identity.
      expect(ambientIdentityDenial(request, undefined, [])).toBeUndefined();
    }
    for (const request of keyed) expect(ambientIdentityDenial(request, 'team-a', [])).toBeUndefined();
  });
});

describe('runRenderPipeline applies consent for every face and the controller', () => {
  const spec = (name: string, names: string[], registry: Pick<ImpsOptions, 'credentials' | 'inline'>): ImagePullSecret => imagePullSecret(name, { ...registry, namespaces: names });
  const docker = (registry: string, annotations: Record<string, string> = {}): SourceSecret => dockerConfigSource({ [registry]: 'u' }, annotations);
  const ecr = (annotations: Record<string, string> = {}): SourceSecret => ecrSource({}, annotations);
  const counting = () => {
    const tokens = recordingTokens(() => ({ username: 'AWS', password: 'minted' }));
    return Object.assign(tokens, { calls: tokens.requests });
  };
  const run = (imps: ImagePullSecret[], secrets: Record<string, SourceSecret>, consent?: RenderConsent, isInput = false) => {
    const tokens = counting();
    return runRenderPipeline(
      imps.map((value) => ({ imps: value })),
      { cluster: memoryCluster({ namespaces: ['a', 'b', 'c'], secrets, isInput }), tokens, ...(consent ? { consent } : {}) },
    ).then((result) => ({ ...result, calls: tokens.calls }));
  };
  const two = { credentials: [{ namespace: 'reg', name: 'one' }, { namespace: 'reg', name: 'two' }] };

  it('renders the namespaces every source allows, refuses the rest with a problem naming source, annotation and namespace', async () => {
    const result = await run([spec('team-pull', ['a', 'b', 'c'], two)], { 'reg/one': docker('one.example', { [NAMESPACES]: 'a,b' }), 'reg/two': docker('two.example', { [NAMESPACES]: 'a,c' }) });
    const [outcome] = result.outcomes;
    expect(outcome).toMatchObject({ namespaces: ['a'], deniedNamespaces: ['b', 'c'], failed: false });
    // Namespace a gets both logins; b and c get no Secret at all rather than one source's half.
    expect(outcome!.secrets.map((secret) => secret.metadata.namespace)).toEqual(['a']);
    const config = JSON.parse(Buffer.from(outcome!.secrets[0]!.data!['.dockerconfigjson'], 'base64').toString('utf8')) as { auths: object };
    expect(Object.keys(config.auths).sort()).toEqual(['one.example', 'two.example']);
    expect(result.problems.map((problem) => `${problem.source}: ${problem.message}`)).toEqual([
      "reg.one: namespace c is not in the source Secret's imps-krm.io/allowed-namespaces annotation: this ImagePullSecret's Secret is not rendered there",
      "reg.two: namespace b is not in the source Secret's imps-krm.io/allowed-namespaces annotation: this ImagePullSecret's Secret is not rendered there",
    ]);
    expect(outcome!.namespaceDenials('a')).toEqual([]);
    expect(outcome!.namespaceDenials('z')).toHaveLength(2);
  });

  it('with requireConsent, a source without annotations is used by nobody and mints nothing', async () => {
    const result = await run([spec('team-pull', ['a'], { credentials: [{ namespace: 'reg', name: 'ecr' }] })], { 'reg/ecr': ecr() }, { requireConsent: true });
    expect(result.outcomes[0]).toMatchObject({ namespaces: [], deniedNamespaces: ['a'], secrets: [] });
    expect(result.outcomes[0]!.sourceStatus['reg.ecr']).toMatch(/no imps-krm.io\/allowed-image-pull-secrets annotation/);
    expect(result.calls).toEqual([]);
    const allowed = await run([spec('team-pull', ['a'], { credentials: [{ namespace: 'reg', name: 'ecr' }] })], { 'reg/ecr': ecr({ [SPECS]: 'team-*', [NAMESPACES]: '*' }) }, { requireConsent: true });
    expect(allowed.problems).toEqual([]);
    expect(allowed.calls).toHaveLength(1);
  });

  it('mints a shared token only for the ImagePullSecrets a source allows', async () => {
    const source = { credentials: [{ namespace: 'reg', name: 'ecr' }] };
    const result = await run([spec('allowed', ['a'], source), spec('other', ['b'], source)], { 'reg/ecr': ecr({ [SPECS]: 'allowed' }) });
    expect(result.outcomes.map((outcome) => outcome.secrets.length)).toEqual([1, 0]);
    expect(result.problems.map((problem) => problem.message)).toEqual(["ImagePullSecret other is not in the source Secret's imps-krm.io/allowed-image-pull-secrets annotation"]);
    expect(result.calls).toHaveLength(1);
    const none = await run([spec('other', ['b'], source)], { 'reg/ecr': ecr({ [SPECS]: 'allowed' }) });
    expect(none.calls).toEqual([]);
  });

  it('for an Argo CD project: live sources must name it, input sources need nothing, and ambient identities need the operator', async () => {
    const source = { credentials: [{ namespace: 'reg', name: 'one' }] };
    const denied = await run([spec('p', ['a'], source)], { 'reg/one': docker('one.example') }, { project: 'team-a' });
    expect(denied.problems.map((problem) => problem.message)).toEqual([expect.stringMatching(/^Argo CD project team-a: the source Secret has no imps-krm.io\/allowed-projects annotation/)]);
    // The refusal comes before parsing: a tenant the owner did not name learns nothing of the Secret's content.
    const broken = await run([spec('p', ['a'], source)], { 'reg/one': { type: 'kubernetes.io/dockerconfigjson', stringData: {} } }, { project: 'team-a' });
    expect(broken.problems.map((problem) => problem.message)).toEqual([expect.stringMatching(/allowed-projects/)]);
    const input = await run([spec('p', ['a'], source)], { 'reg/one': docker('one.example') }, { project: 'team-a' }, true);
    expect(input.problems).toEqual([]);

    const keyless = { credentials: [{ namespace: 'reg', name: 'ecr' }], inline: [{ type: 'imps-krm.io/ecr-public-login-config' as const }] };
    const ambient = await run([spec('p', ['a'], keyless)], { 'reg/ecr': ecr() }, { project: 'team-a', ambientProjects: ['platform'] }, true);
    expect(ambient.problems.map((problem) => `${problem.source}: ${problem.message}`)).toEqual([
      "reg.ecr: this source mints with the process's AWS identity, which the operator has not allowed for Argo CD project team-a (IMPS_KRM_AMBIENT_IDENTITY_PROJECTS)",
      "inline[0]: this source mints with the process's AWS identity, which the operator has not allowed for Argo CD project team-a (IMPS_KRM_AMBIENT_IDENTITY_PROJECTS)",
    ]);
    expect(ambient.calls).toEqual([]);
    const listed = await run([spec('p', ['a'], keyless)], { 'reg/ecr': ecr() }, { project: 'team-a', ambientProjects: ['team-*'] }, true);
    expect(listed.problems).toEqual([]);
    expect(listed.calls).toHaveLength(2);
  });

  it('shells read no source and mint nothing, so they need no consent', async () => {
    const tokens = counting();
    const shellCluster = memoryCluster({ namespaces: ['a'], secrets: { 'reg/one': docker('one.example'), 'reg/ecr': ecr() } });
    const result = await runRenderPipeline([{ imps: spec('p', ['a'], { credentials: [{ namespace: 'reg', name: 'one' }, { namespace: 'reg', name: 'ecr' }], inline: [{ type: 'imps-krm.io/ecr-public-login-config' }] }) }], {
      cluster: shellCluster,
      tokens,
      consent: { project: 'team-a', requireConsent: true },
      output: 'shells',
    });
    expect(result.problems).toEqual([]);
    expect(shellCluster.reads).toEqual([]);
    expect(tokens.calls).toEqual([]);
    expect(result.outcomes[0]!.secrets.map((secret) => secret.data['.dockerconfigjson'])).toEqual([SHELL_DOCKER_CONFIG]);
  });
});
