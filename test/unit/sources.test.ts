import { describe, expect, it } from 'vitest';
import { parseSource } from '../../src/core/sources.js';
import { ecrRegistryHost, tokenRequestKey, tokenRequestSecrets, type TokenRequest } from '../../src/core/tokens.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('parseSource', () => {
  it('reads a dockerconfigjson from data, preferring a decodable auth like the kubelet', () => {
    const config = { auths: { 'ghcr.io': { auth: b64('bot:s3cret'), username: 'ignored', password: 'ignored' } } };
    const parsed = parseSource({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify(config)) } });
    expect(parsed).toMatchObject({ ok: true, plan: { kind: 'static', credentials: [{ registry: 'ghcr.io', username: 'bot', password: 's3cret' }] } });
    expect(parsed.credentials).toContain('s3cret');
  });

  it('reads the legacy dockercfg format', () => {
    const parsed = parseSource({ type: 'kubernetes.io/dockercfg', stringData: { '.dockercfg': '{"quay.io":{"username":"u","password":"p"}}' } });
    expect(parsed).toMatchObject({ ok: true, plan: { credentials: [{ registry: 'quay.io', username: 'u', password: 'p' }] } });
  });

  it('turns an ECR login config into a token request for the account registry', () => {
    const parsed = parseSource({
      type: 'banzaicloud.io/aws-ecr-login-config',
      stringData: { accessKeyID: 'AKIA1', secretKey: 'sk', region: 'cn-north-1', accountID: '123456789012', roleArn: 'arn:aws-cn:iam::123456789012:role/r' },
    });
    expect(parsed).toMatchObject({
      ok: true,
      plan: {
        kind: 'token',
        registry: '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn',
        request: { provider: 'ecr', region: 'cn-north-1', keys: { accessKeyId: 'AKIA1', secretAccessKey: 'sk' }, roleArn: 'arn:aws-cn:iam::123456789012:role/r' },
      },
    });
  });

  it('uses the default credential chain when no keys are given', () => {
    const parsed = parseSource({ type: 'banzaicloud.io/aws-ecr-login-config', stringData: { region: 'eu-west-1', accountID: '111111111111' } });
    expect(parsed).toMatchObject({ ok: true, plan: { request: { keys: undefined } } });
  });

  it.each([
    [{ type: 'Opaque', data: {} }, /unknown secret type "Opaque"/],
    [{ type: 'kubernetes.io/dockerconfigjson', data: {} }, /missing key \.dockerconfigjson/],
    [{ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{' } }, /not valid JSON/],
    [{ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{"auths":{"x":{"email":"e"}}}' } }, /needs `auth` or `username` and `password`/],
    [{ type: 'banzaicloud.io/aws-ecr-login-config', stringData: { region: 'eu-west-1' } }, /accountID: required/],
    [{ type: 'banzaicloud.io/aws-ecr-login-config', stringData: { region: 'eu-west-1', accountID: 123 } }, /stringData\["accountID"\]: must be a string/],
    [{ type: 'banzaicloud.io/aws-ecr-login-config', stringData: { region: 'eu-west-1', accountID: '111111111111', accessKeyID: 'AKIA' } }, /secretKey: required when `accessKeyID` is set/],
    [{ type: 'banzaicloud.io/aws-ecr-login-config', data: { region: '***' } }, /not valid base64/],
  ])('rejects %j with a clear message', (secret, message) => {
    const parsed = parseSource(secret);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.errors.join('\n')).toMatch(message);
  });

  it('never puts a secret value into an error', () => {
    const parsed = parseSource({
      type: 'banzaicloud.io/aws-ecr-login-config',
      stringData: { secretKey: 'TOP-SECRET-VALUE', region: 'nowhere', accountID: 'abc' },
    });
    expect(parsed.ok).toBe(false);
    expect(JSON.stringify(parsed.ok ? {} : parsed.errors)).not.toContain('TOP-SECRET-VALUE');
  });

  it('turns an ECR Public login config, even an empty one, into a token request for public.ecr.aws', () => {
    expect(parseSource({ type: 'imps-krm.io/ecr-public-login-config' })).toMatchObject({
      ok: true,
      plan: { kind: 'token', registry: 'public.ecr.aws', request: { provider: 'ecr-public', keys: undefined } },
    });
    const parsed = parseSource({
      type: 'imps-krm.io/ecr-public-login-config',
      stringData: { accessKeyID: 'AKIA1', secretKey: 'sk-public', roleArn: 'arn:aws:iam::123456789012:role/pull' },
    });
    expect(parsed).toMatchObject({ ok: true, plan: { request: { keys: { accessKeyId: 'AKIA1' }, roleArn: 'arn:aws:iam::123456789012:role/pull' } } });
    expect(parsed.credentials).toEqual(['sk-public']);
  });

  it('gives each AWS partition its registry host', () => {
    expect(ecrRegistryHost('1', 'us-gov-west-1')).toBe('1.dkr.ecr.us-gov-west-1.amazonaws.com');
    expect(ecrRegistryHost('1', 'cn-northwest-1')).toBe('1.dkr.ecr.cn-northwest-1.amazonaws.com.cn');
    expect(ecrRegistryHost('1', 'us-iso-east-1')).toBe('1.dkr.ecr.us-iso-east-1.c2s.ic.gov');
    expect(ecrRegistryHost('1', 'us-isob-east-1')).toBe('1.dkr.ecr.us-isob-east-1.sc2s.sgov.gov');
  });

  it('reads an ACR login config for each identity kind', () => {
    expect(parseSource({ type: 'imps-krm.io/acr-login-config', stringData: { registry: 'myreg.azurecr.io', identity: 'ManagedIdentity', clientID: 'c1' } })).toMatchObject({
      ok: true,
      plan: {
        kind: 'token',
        registry: 'myreg.azurecr.io',
        request: { provider: 'acr', identity: { kind: 'ManagedIdentity', clientId: 'c1' }, tokenScope: 'https://management.azure.com/.default', authorityHost: undefined },
      },
    });
    const wi = parseSource({
      type: 'imps-krm.io/acr-login-config',
      stringData: { registry: 'myreg.azurecr.us', identity: 'WorkloadIdentity', environment: 'USGovernmentCloud', scope: 'repository:team/app:pull repository:base:pull' },
    });
    expect(wi).toMatchObject({
      ok: true,
      plan: {
        request: {
          identity: { kind: 'WorkloadIdentity' },
          scope: 'repository:team/app:pull repository:base:pull',
          authorityHost: 'https://login.microsoftonline.us',
          tokenScope: 'https://management.usgovcloudapi.net/.default',
        },
      },
    });
    const sp = parseSource({
      type: 'imps-krm.io/acr-login-config',
      stringData: { registry: 'r.azurecr.cn', identity: 'ServicePrincipal', clientID: 'c', tenantID: 't', clientSecret: 'sp-secret', environment: 'ChinaCloud' },
    });
    expect(sp).toMatchObject({ ok: true, plan: { request: { authorityHost: 'https://login.chinacloudapi.cn', identity: { clientSecret: 'sp-secret' } } } });
    expect(sp.credentials).toEqual(['sp-secret']);
  });

  it.each([
    [{ registry: 'r.azurecr.io' }, /identity: required/],
    [{ registry: 'r.azurecr.io', identity: 'ServicePrincipal', clientID: 'c' }, /tenantID: required[\s\S]*clientSecret: required/],
    [{ registry: 'r.azurecr.io', identity: 'ManagedIdentity', clientID: 'c', resourceID: '/subscriptions/x' }, /give clientID or resourceID, not both/],
    [{ registry: 'r.azurecr.io', identity: 'ManagedIdentity', clientSecret: 'CANARY-stray' }, /clientSecret: not used with identity ManagedIdentity/],
    [{ registry: 'r.azurecr.io', identity: 'WorkloadIdentity', scope: 'repository:*:pull' }, /scope: invalid value/],
    [{ registry: 'r.azurecr.io', identity: 'WorkloadIdentity', environment: 'AirgappedCloud' }, /authorityHost: required[\s\S]*resourceManagerAudience: required/],
    [{ registry: 'r.azurecr.io', identity: 'WorkloadIdentity', clientId: 'typo' }, /clientId: unknown field/],
  ])('rejects the ACR config %j with a clear message', (stringData, message) => {
    const parsed = parseSource({ type: 'imps-krm.io/acr-login-config', stringData });
    expect(parsed.ok).toBe(false);
    const errors = parsed.ok ? '' : parsed.errors.join('\n');
    expect(errors).toMatch(message);
    expect(errors).not.toContain('CANARY');
  });

  it('reads a GAR login config, with or without a service-account key', () => {
    expect(parseSource({ type: 'imps-krm.io/gar-login-config', stringData: { registry: 'europe-west1-docker.pkg.dev' } })).toMatchObject({
      ok: true,
      plan: { kind: 'token', registry: 'europe-west1-docker.pkg.dev', request: { provider: 'gar', serviceAccountKey: undefined } },
    });
    const key = JSON.stringify({ type: 'service_account', client_email: 'sa@p.iam.gserviceaccount.com', private_key: 'PEM-CANARY' });
    const parsed = parseSource({ type: 'imps-krm.io/gar-login-config', stringData: { registry: 'eu.gcr.io', serviceAccountKey: key } });
    expect(parsed).toMatchObject({ ok: true, plan: { registry: 'eu.gcr.io', request: { serviceAccountKey: key } } });
    expect(parsed.credentials).toEqual([key, 'PEM-CANARY']);
  });

  it.each([
    [{ registry: 'docker.io' }, /registry: invalid value/],
    [{ registry: 'gcr.io', serviceAccountKey: '{not json' }, /serviceAccountKey: not valid JSON/],
    [{ registry: 'gcr.io', serviceAccountKey: '{"type":"authorized_user"}' }, /type must be service_account/],
  ])('rejects the GAR config %j with a clear message', (stringData, message) => {
    const parsed = parseSource({ type: 'imps-krm.io/gar-login-config', stringData });
    expect(parsed.ok ? '' : parsed.errors.join('\n')).toMatch(message);
  });

  it('reads a basic-auth Secret, the registry from the annotation or else the registry key', () => {
    const annotated = parseSource({
      type: 'kubernetes.io/basic-auth',
      annotations: { 'imps-krm.io/registry': 'registry.example.com' },
      stringData: { username: 'bot', password: 'pw-1', registry: 'ignored.example.com' },
    });
    expect(annotated).toMatchObject({ ok: true, plan: { kind: 'static', credentials: [{ registry: 'registry.example.com', username: 'bot', password: 'pw-1' }] } });
    expect(parsed(parseSource({ type: 'kubernetes.io/basic-auth', stringData: { username: 'u', password: 'p', registry: 'r:5000' } }))).toBe('r:5000');
    const missing = parseSource({ type: 'kubernetes.io/basic-auth', stringData: { username: 'u', password: 'p' } });
    expect(missing.ok ? '' : missing.errors.join()).toMatch(/imps-krm.io\/registry.*required/);
  });

  it('keys tokens by everything that changes them', () => {
    const acr = (over: Partial<Extract<TokenRequest, { provider: 'acr' }>>): TokenRequest => ({
      provider: 'acr',
      registry: 'r.azurecr.io',
      identity: { kind: 'ManagedIdentity' },
      tokenScope: 'https://management.azure.com/.default',
      ...over,
    });
    const keys = [
      acr({}),
      acr({ scope: 'repository:a:pull' }),
      acr({ registry: 'q.azurecr.io' }),
      acr({ authorityHost: 'https://login.microsoftonline.us' }),
      acr({ tokenScope: 'https://management.usgovcloudapi.net/.default' }),
      acr({ identity: { kind: 'ManagedIdentity', clientId: 'c' } }),
      acr({ identity: { kind: 'ManagedIdentity', resourceId: 'c' } }),
      acr({ identity: { kind: 'WorkloadIdentity', clientId: 'c' } }),
      acr({ identity: { kind: 'WorkloadIdentity', clientId: 'c', tokenFile: '/f' } }),
      acr({ identity: { kind: 'ServicePrincipal', clientId: 'c', tenantId: 't', clientSecret: 's1' } }),
      acr({ identity: { kind: 'ServicePrincipal', clientId: 'c', tenantId: 't', clientSecret: 's2' } }),
      { provider: 'ecr-public' },
      { provider: 'ecr-public', roleArn: 'arn:aws:iam::1:role/r' },
      { provider: 'ecr', region: 'us-east-1' },
      { provider: 'gar' },
      { provider: 'gar', serviceAccountKey: '{}' },
    ].map((request) => tokenRequestKey(request as TokenRequest));
    expect(new Set(keys).size).toBe(keys.length);
    expect(tokenRequestSecrets(acr({ identity: { kind: 'ServicePrincipal', clientId: 'c', tenantId: 't', clientSecret: 's1' } }))).toEqual(['s1']);
  });
});

function parsed(result: ReturnType<typeof parseSource>): string | undefined {
  return result.ok && result.plan.kind === 'static' ? result.plan.credentials[0]?.registry : undefined;
}
