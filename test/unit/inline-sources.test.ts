import { describe, expect, it } from 'vitest';
import { runRenderPipeline } from '../../src/app/render-pipeline.js';
import { validateImps } from '../../src/app/select-inputs.js';
import { inlineSourceProblems, inlineSpecErrors, parseInlineSource } from '../../src/core/inline-sources.js';
import { inlineSourceKey } from '../../src/core/source-refs.js';
import { parseSource, type SourceSecret } from '../../src/core/sources.js';
import { tokenRequestKey } from '../../src/core/tokens.js';
import type { ImagePullSecret } from '../../src/generated/image-pull-secret.js';
import { basicAuthSource, imagePullSecret, memoryCluster, recordingTokens, type MemoryCluster } from '../support/builders.js';

const ECR = 'banzaicloud.io/aws-ecr-login-config' as const;
const ECR_PUBLIC = 'imps-krm.io/ecr-public-login-config' as const;
const ACR = 'imps-krm.io/acr-login-config';
const GAR = 'imps-krm.io/gar-login-config';

describe('inline sources: what is refused', () => {
  it.each([
    [ECR, 'accessKeyID'],
    [ECR, 'secretKey'],
    [ECR, 'sessionToken'],
    [ECR_PUBLIC, 'secretKey'],
    [ACR, 'clientSecret'],
    [GAR, 'serviceAccountKey'],
    // Under a type that does not define it, a credential is still a credential.
    [GAR, 'password'],
    [ECR_PUBLIC, '.dockerconfigjson'],
    [ECR_PUBLIC, 'auth'],
  ])('%s with %s', (type, key) => {
    const problems = inlineSourceProblems({ type, config: { [key]: 'CANARY-value' } });
    expect(problems).toContainEqual({ path: `config.${key}`, message: 'not allowed inline (a credential belongs in a Secret)' });
    expect(JSON.stringify(problems)).not.toContain('CANARY');
  });

  it.each(['kubernetes.io/dockerconfigjson', 'kubernetes.io/dockercfg', 'kubernetes.io/basic-auth', 'Opaque'])('static or unknown type %s', (type) => {
    const [problem] = inlineSourceProblems({ type, config: {} });
    expect(problem?.path).toBe('type');
    expect(problem?.message).toContain('is not allowed inline');
  });

  it('ACR with the ServicePrincipal identity, even without its secret', () => {
    expect(inlineSourceProblems({ type: ACR, config: { registry: 'r.azurecr.io', identity: 'ServicePrincipal', clientID: 'a', tenantID: 't' } })).toEqual([
      { path: 'config.identity', message: expect.stringContaining('ServicePrincipal is not allowed inline') as unknown as string },
    ]);
  });

  it('ACR settings only the operator makes (token file, authority, audience), with their field paths', () => {
    const config = { registry: 'r.azurecr.io', identity: 'WorkloadIdentity', federatedTokenFile: '/etc/passwd', authorityHost: 'https://127.0.0.1:9', resourceManagerAudience: 'https://a/' };
    const errors = inlineSpecErrors([{ type: ACR, config }]);
    expect(errors.map((error) => error.path)).toEqual([
      'spec.registry.inline[0].config.federatedTokenFile',
      'spec.registry.inline[0].config.authorityHost',
      'spec.registry.inline[0].config.resourceManagerAudience',
    ]);
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringContaining('AZURE_FEDERATED_TOKEN_FILE'),
      expect.stringContaining('AZURE_AUTHORITY_HOST'),
      expect.stringContaining('IMPS_KRM_AZURE_AIRGAPPED_AUDIENCE'),
    ]);
    expect(JSON.stringify(errors)).not.toContain('/etc/passwd');
  });

  it('accepts the keyless forms', () => {
    for (const source of [
      { type: ECR, config: { region: 'eu-west-1', accountID: '123456789012', roleArn: 'arn:aws:iam::123456789012:role/pull' } },
      { type: ECR_PUBLIC },
      { type: ACR, config: { registry: 'r.azurecr.io', identity: 'ManagedIdentity', clientID: 'c' } },
      { type: ACR, config: { registry: 'r.azurecr.io', identity: 'WorkloadIdentity' } },
      { type: GAR, config: { registry: 'europe-west1-docker.pkg.dev' } },
    ]) {
      expect(inlineSourceProblems(source)).toEqual([]);
      expect(parseInlineSource(source).ok).toBe(true);
    }
  });

  it('parses like the same keys in a Secret, and names config keys in its errors', () => {
    const config = { region: 'eu-west-1', accountID: '123456789012' };
    expect(parseInlineSource({ type: ECR, config })).toEqual(parseSource({ type: ECR, stringData: config }));
    expect(parseInlineSource({ type: ACR, config: { registry: 'r.azurecr.io', identity: 'ManagedIdentity', clientId: 'x' } })).toMatchObject({
      ok: false,
      errors: ['config.clientId: unknown field'],
    });
  });

  it('keeps the values of refused keys for the redactor', () => {
    const parsed = parseInlineSource({ type: ECR, config: { region: 'eu-west-1', accountID: '111111111111', secretKey: 'CANARY-k' } });
    expect(parsed).toMatchObject({ ok: false });
    expect(parsed.credentials).toContain('CANARY-k');
    expect(parsed.ok ? '' : parsed.errors.join()).not.toContain('CANARY');
  });

  it('reports field paths from the CR root', () => {
    expect(inlineSpecErrors([{ type: ECR_PUBLIC }, { type: ECR, config: { region: 'eu-west-1', secretKey: 'x' } }])).toEqual([
      { path: 'spec.registry.inline[1].config.secretKey', message: 'not allowed inline (a credential belongs in a Secret)' },
    ]);
  });
});

const cr = (name: string, registry: Record<string, unknown>): Record<string, unknown> => ({
  apiVersion: 'images.banzaicloud.io/v1alpha1',
  kind: 'ImagePullSecret',
  metadata: { name },
  spec: { registry, target: { secret: { name: 'pull' }, namespaces: { names: ['app'] } } },
});

describe('validateImps with inline sources', () => {
  const fields = (result: ReturnType<typeof validateImps>): string[] =>
    Array.isArray(result) ? result.map((problem) => `${problem.field ?? ''}: ${problem.message}`) : [];

  it('accepts inline without credentials, and both together', () => {
    expect(Array.isArray(validateImps(cr('a', { inline: [{ type: ECR_PUBLIC }] })))).toBe(false);
    expect(Array.isArray(validateImps(cr('b', { credentials: [{ name: 's', namespace: 'n' }], inline: [{ type: ECR_PUBLIC, config: {} }] })))).toBe(false);
  });

  it('needs credentials or inline, and neither may be empty', () => {
    expect(fields(validateImps(cr('a', {})))).toEqual(['spec.registry.credentials: required']);
    expect(fields(validateImps(cr('b', { inline: [] })))).toContain('spec.registry.inline: must not be empty');
    expect(fields(validateImps(cr('c', { credentials: [] })))).toContain('spec.registry.credentials: must not be empty');
  });

  it('refuses a credential inline with its path, a static type, and non-string values', () => {
    expect(fields(validateImps(cr('a', { inline: [{ type: ECR, config: { region: 'eu-west-1', accountID: '111111111111', secretKey: 'CANARY' } }] })))).toEqual([
      'spec.registry.inline[0].config.secretKey: not allowed inline (a credential belongs in a Secret)',
    ]);
    expect(fields(validateImps(cr('b', { inline: [{ type: 'kubernetes.io/basic-auth', config: {} }] })))[0]).toMatch(/^spec\.registry\.inline\[0\]\.type: must be one of /);
    expect(fields(validateImps(cr('c', { inline: [{ type: ECR, config: { region: 'eu-west-1', accountID: 123 } }] })))).toEqual([
      'spec.registry.inline[0].config.accountID: must be a string of 12 digits (quote it: "123456789012")',
    ]);
  });
});

describe('runRenderPipeline with inline sources', () => {
  const cluster = (secrets: Record<string, SourceSecret>): MemoryCluster => memoryCluster({ namespaces: ['app'], secrets });
  const recording = recordingTokens;

  it('shares one token call between an inline entry and a Secret asking the same, across CRs, and reports inline[<index>]', async () => {
    const tokens = recording();
    const a = imagePullSecret('a', { inline: [{ type: ECR, config: { region: 'eu-west-1', accountID: '111111111111' } }], namespaces: ['app'] });
    const b = imagePullSecret('b', {
      credentials: ['creds/ecr'],
      inline: [{ type: ECR_PUBLIC }, { type: ECR, config: { region: 'eu-west-1', accountID: '333333333333' } }],
      namespaces: ['app'],
      secret: 'pull-b',
    });
    const result = await runRenderPipeline([{ imps: a }, { imps: b }], {
      cluster: cluster({ 'creds/ecr': { type: ECR, stringData: { region: 'eu-west-1', accountID: '222222222222' } } }),
      tokens,
    });
    expect(result.problems).toEqual([]);
    expect(tokens.requests.map(tokenRequestKey).sort()).toEqual([tokenRequestKey({ provider: 'ecr', region: 'eu-west-1' }), tokenRequestKey({ provider: 'ecr-public' })].sort());
    expect(result.outcomes[0]?.sourceStatus).toEqual({ 'inline[0]': 'Ok' });
    expect(result.outcomes[1]?.sourceStatus).toEqual({ 'creds.ecr': 'Ok', 'inline[0]': 'Ok', 'inline[1]': 'Ok' });
    expect(inlineSourceKey('b', 1)).toBe('b.inline[1]');
  });

  it('refuses a credential inline even when handed a spec that skipped validation, and mints nothing', async () => {
    const tokens = recording();
    const imps = cr('a', { inline: [{ type: ECR_PUBLIC, config: { accessKeyID: 'AKIA', secretKey: 'CANARY-unvalidated' } }] }) as unknown as ImagePullSecret;
    const result = await runRenderPipeline([{ imps }], { cluster: cluster({}), tokens });
    expect(tokens.requests).toEqual([]);
    expect(result.outcomes[0]?.secrets).toEqual([]);
    expect(result.outcomes[0]?.sourceStatus['inline[0]']).toBe(
      'config.accessKeyID: not allowed inline (a credential belongs in a Secret); config.secretKey: not allowed inline (a credential belongs in a Secret)',
    );
    expect(JSON.stringify(result.problems)).not.toContain('CANARY');
  });

  it('mints nothing for shells', async () => {
    const tokens = recording();
    const imps = imagePullSecret('a', { inline: [{ type: ECR_PUBLIC }], namespaces: ['app'] });
    const result = await runRenderPipeline([{ imps }], { cluster: cluster({}), tokens, output: 'shells' });
    expect(tokens.requests).toEqual([]);
    expect(result.outcomes[0]?.sources[0]?.state).toBe('not-read');
    expect(result.problems).toEqual([]);
    expect(result.outcomes[0]?.secrets).toHaveLength(1);
  });

  it('names an inline entry in a merge conflict', async () => {
    const tokens = recording();
    const imps = imagePullSecret('a', { credentials: ['creds/static'], inline: [{ type: ECR_PUBLIC }], namespaces: ['app'] });
    const result = await runRenderPipeline([{ imps }], {
      cluster: cluster({ 'creds/static': basicAuthSource('public.ecr.aws', 'u', 'p') }),
      tokens,
    });
    expect(result.problems).toMatchObject([{ field: 'spec.registry', message: expect.stringContaining('both creds.static and inline[0]') as unknown as string }]);
  });
});
