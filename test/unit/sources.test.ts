import { describe, expect, it } from 'vitest';
import { parseSource } from '../../src/core/sources.js';
import { azureCloudEndpoints } from '../../src/core/azure-clouds.js';
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
    // A colon in a username: the rendered `auth` would be read back (kubelet, docker) as another login.
    [{ type: 'kubernetes.io/basic-auth', annotations: { 'imps-krm.io/registry': 'ghcr.io' }, stringData: { username: 'a:b', password: 'p' } }, /^username: contains a colon: the kubelet reads `auth`/],
    [{ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{"auths":{"ghcr.io":{"username":"a:b","password":"p"}}}' } }, /^\.dockerconfigjson: registry ghcr\.io: `username` contains a colon/],
  ])('rejects %j with a clear message', (secret, message) => {
    const parsed = parseSource(secret);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.errors.join('\n')).toMatch(message);
  });

  it.each([
    // The IMPS refresher README's source Secret: no type (Opaque), ECR keys.
    [{ stringData: { accessKeyID: 'AKIA', secretKey: 'sk', region: 'us-east-1', accountID: '123456789' } }, 'banzaicloud.io/aws-ecr-login-config'],
    [{ type: 'Opaque', data: { '.dockerconfigjson': 'e30=' } }, 'kubernetes.io/dockerconfigjson'],
    [{ type: 'Opaque', data: { '.dockercfg': 'e30=' } }, 'kubernetes.io/dockercfg'],
    [{ stringData: { registry: 'europe-docker.pkg.dev', serviceAccountKey: '{}' } }, 'imps-krm.io/gar-login-config'],
    [{ stringData: { registry: 'x.azurecr.io', identity: 'ManagedIdentity' } }, 'imps-krm.io/acr-login-config'],
    [{ type: 'Opaque', stringData: { username: 'u', password: 'p' } }, 'kubernetes.io/basic-auth'],
  ])('an untyped source %j: says which type to set and that the type cannot be changed in place', (secret, type) => {
    const parsed = parseSource(secret);
    expect(parsed.ok ? [] : parsed.errors).toEqual([
      `unknown secret type "Opaque": its keys are those of a ${type} source: set \`type: ${type}\` (a Secret's type cannot be changed in place: delete the Secret and create it again with the type)`,
    ]);
  });

  it('a type it cannot guess: lists the types, and says the type cannot be changed in place', () => {
    const parsed = parseSource({ type: 'kubernetes.io/tls', data: { 'tls.crt': 'e30=' } });
    expect(parsed.ok ? '' : parsed.errors.join('\n')).toMatch(/^unknown secret type "kubernetes.io\/tls": set `type:` to one of kubernetes.io\/dockerconfigjson, .*kubernetes.io\/basic-auth \(a Secret's type cannot be changed in place: delete the Secret and create it again with the type\)$/);
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

  // One parser serves both AWS formats (core/cloud-sources.ts awsTokenPlan): the same keys, role and redaction.
  it.each([
    ['banzaicloud.io/aws-ecr-login-config', { region: 'eu-west-1', accountID: '111111111111' }, { provider: 'ecr', region: 'eu-west-1' }, '111111111111.dkr.ecr.eu-west-1.amazonaws.com'],
    ['imps-krm.io/ecr-public-login-config', {}, { provider: 'ecr-public' }, 'public.ecr.aws'],
  ])('%s: session keys and a role become the request; the secret key and session token are what a redactor learns', (type, base, api, registry) => {
    const keys = { accessKeyID: 'AKIA1', secretKey: 'sk-CANARY', sessionToken: 'st-CANARY', roleArn: 'arn:aws:iam::123456789012:role/pull' };
    const parsed = parseSource({ type, stringData: { ...base, ...keys } });
    expect(parsed).toEqual({
      ok: true,
      plan: { kind: 'token', registry, request: { ...api, keys: { accessKeyId: 'AKIA1', secretAccessKey: 'sk-CANARY', sessionToken: 'st-CANARY' }, roleArn: keys.roleArn } },
      credentials: ['sk-CANARY', 'st-CANARY'],
    });
    // Half a key pair is no key: the process's own chain is used, and the lone half is still kept from messages.
    const half = parseSource({ type, stringData: { ...base, secretKey: 'sk-CANARY' } });
    expect(half.credentials).toContain('sk-CANARY');
  });

  // Found by the apps fuzzer: a session token with a non-ASCII character reached the SDK, which failed building the
  // request header and hung for 20 s before saying so. Keys travel in HTTP headers: refused up front, by field.
  it.each([
    ['banzaicloud.io/aws-ecr-login-config', { region: 'eu-west-1', accountID: '111111111111' }],
    ['imps-krm.io/ecr-public-login-config', {}],
  ])('%s: keys that cannot be an HTTP header, and a role name with spaces, are refused naming the field only', (type, base) => {
    const header = 'must be visible ASCII, with no spaces or line breaks';
    const cases: Array<[Record<string, string>, string]> = [
      [{ accessKeyID: 'AKIA1', secretKey: 'sk-CANARY\n' }, `secretKey: ${header}`],
      [{ accessKeyID: 'AKIA1', secretKey: 'sk', sessionToken: 'st-CANARY-\u00e9' }, `sessionToken: ${header}`],
      [{ accessKeyID: 'AKIA CANARY', secretKey: 'sk' }, `accessKeyID: ${header}`],
      [{ roleArn: 'arn:aws:iam::123456789012:role/d( CANARY' }, 'roleArn: must be an IAM role ARN'],
    ];
    // The rule in words (src/validation/ajv-errors.ts): a schema pattern changed without its words fails here.
    for (const [fields, field] of cases) {
      const parsed = parseSource({ type, stringData: { ...base, ...fields } });
      expect(parsed.ok, field).toBe(false);
      const text = JSON.stringify(parsed);
      expect(text, field).toContain(field);
      expect(text.replace(/"credentials":\[[^\]]*\]/, ''), field).not.toContain('CANARY');
    }
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
        request: { provider: 'acr', identity: { kind: 'ManagedIdentity', clientId: 'c1' }, cloud: 'PublicCloud' },
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
          cloud: 'USGovernmentCloud',
        },
      },
    });
    const sp = parseSource({
      type: 'imps-krm.io/acr-login-config',
      stringData: { registry: 'r.azurecr.cn', identity: 'ServicePrincipal', clientID: 'c', tenantID: 't', clientSecret: 'sp-secret', environment: 'ChinaCloud' },
    });
    expect(sp).toMatchObject({ ok: true, plan: { request: { cloud: 'ChinaCloud', identity: { clientSecret: 'sp-secret' } } } });
    expect(sp.credentials).toEqual(['sp-secret']);
  });

  it.each([
    [{ registry: 'r.azurecr.io' }, /identity: required/],
    [{ registry: 'r.azurecr.io', identity: 'ServicePrincipal', clientID: 'c' }, /tenantID: required[\s\S]*clientSecret: required/],
    [{ registry: 'r.azurecr.io', identity: 'ManagedIdentity', clientID: 'c', resourceID: '/subscriptions/x' }, /give clientID or resourceID, not both/],
    [{ registry: 'r.azurecr.io', identity: 'ManagedIdentity', clientSecret: 'CANARY-stray' }, /clientSecret: not used with identity ManagedIdentity/],
    [{ registry: 'r.azurecr.io', identity: 'WorkloadIdentity', scope: 'repository:*:pull' }, /scope: invalid value/],
    [{ registry: 'r.azurecr.io', identity: 'WorkloadIdentity', clientId: 'typo' }, /clientId: unknown field/],
  ])('rejects the ACR config %j with a clear message', (stringData, message) => {
    const parsed = parseSource({ type: 'imps-krm.io/acr-login-config', stringData });
    expect(parsed.ok).toBe(false);
    const errors = parsed.ok ? '' : parsed.errors.join('\n');
    expect(errors).toMatch(message);
    expect(errors).not.toContain('CANARY');
  });

  // docs/security.md, "The rule": a token file, an authority host or an audience reaches a file or a host, so only
  // the operator sets them. A source that could name them sent the process's service-account token anywhere.
  it.each([
    ['federatedTokenFile', '/var/run/secrets/kubernetes.io/serviceaccount/token', /^federatedTokenFile: not accepted from a source: .*AZURE_FEDERATED_TOKEN_FILE/],
    ['authorityHost', 'https://127.0.0.1:9', /^authorityHost: not accepted from a source: .*environment.*AZURE_AUTHORITY_HOST.*IMPS_KRM_AZURE_AIRGAPPED_AUTHORITY_HOST/],
    ['resourceManagerAudience', 'https://attacker.example/', /^resourceManagerAudience: not accepted from a source: .*IMPS_KRM_AZURE_AIRGAPPED_AUDIENCE/],
  ])('refuses the operator-only ACR setting %s, naming where the operator sets it', (key, value, message) => {
    for (const identity of ['WorkloadIdentity', 'ManagedIdentity']) {
      const parsed = parseSource({ type: 'imps-krm.io/acr-login-config', stringData: { registry: 'r.azurecr.io', identity, [key]: value } });
      expect(parsed.ok).toBe(false);
      const errors = parsed.ok ? [] : parsed.errors;
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
      expect(errors.join()).not.toContain(value);
    }
  });

  it('reports an operator-only ACR setting together with the config\'s other faults', () => {
    const parsed = parseSource({ type: 'imps-krm.io/acr-login-config', stringData: { registry: 'r.azurecr.io', identity: 'WorkloadIdentity', authorityHost: 'https://x', clientId: 'typo' } });
    expect(parsed.ok ? [] : parsed.errors).toEqual([expect.stringMatching(/^authorityHost: not accepted from a source/), 'clientId: unknown field']);
  });

  it('keeps AirgappedCloud as a cloud name: its endpoints are the operator\'s, not the source\'s', () => {
    const parsed = parseSource({ type: 'imps-krm.io/acr-login-config', stringData: { registry: 'r.azurecr.io', identity: 'ManagedIdentity', environment: 'AirgappedCloud' } });
    expect(parsed).toMatchObject({ ok: true, plan: { request: { cloud: 'AirgappedCloud' } } });
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
    // An external_account key names files, URLs and programs (credential_source.executable runs a command): the
    // library would run it with the renderer's privileges. Only service_account keys are read (docs/security.md).
    [
      {
        registry: 'gcr.io',
        serviceAccountKey: JSON.stringify({
          type: 'external_account',
          audience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x',
          subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
          token_url: 'https://sts.googleapis.com/v1/token',
          credential_source: { executable: { command: '/bin/sh -c "touch /tmp/imps-krm-pwned"', timeout_millis: 5000 } },
          client_email: 'x@p.iam.gserviceaccount.com',
          private_key: 'PEM',
        }),
      },
      /^serviceAccountKey: type must be service_account$/,
    ],
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
      cloud: 'PublicCloud',
      ...over,
    });
    const keys = [
      acr({}),
      acr({ scope: 'repository:a:pull' }),
      acr({ registry: 'q.azurecr.io' }),
      acr({ cloud: 'USGovernmentCloud' }),
      acr({ cloud: 'AirgappedCloud' }),
      acr({ identity: { kind: 'ManagedIdentity', clientId: 'c' } }),
      acr({ identity: { kind: 'ManagedIdentity', resourceId: 'c' } }),
      acr({ identity: { kind: 'WorkloadIdentity', clientId: 'c' } }),
      acr({ identity: { kind: 'WorkloadIdentity', clientId: 'c', tenantId: 't' } }),
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

describe('azureCloudEndpoints: a source picks a cloud, never a host', () => {
  it('takes known clouds from the built-in table; public cloud leaves the authority to the SDK (AZURE_AUTHORITY_HOST)', () => {
    expect(azureCloudEndpoints('PublicCloud', {})).toEqual({ authorityHost: undefined, tokenScope: 'https://management.azure.com/.default' });
    expect(azureCloudEndpoints('USGovernmentCloud', {})).toEqual({ authorityHost: 'https://login.microsoftonline.us', tokenScope: 'https://management.usgovcloudapi.net/.default' });
    expect(azureCloudEndpoints('ChinaCloud', {})).toEqual({ authorityHost: 'https://login.chinacloudapi.cn', tokenScope: 'https://management.chinacloudapi.cn/.default' });
    // The operator's air-gapped settings never move a known cloud.
    expect(azureCloudEndpoints('ChinaCloud', { authorityHost: 'https://x.example', audience: 'https://y.example/' })).toMatchObject({ authorityHost: 'https://login.chinacloudapi.cn' });
  });

  it('takes an air-gapped cloud from the operator, and refuses it while either setting is unset or not https', () => {
    expect(azureCloudEndpoints('AirgappedCloud', { authorityHost: 'https://login.airgap.example', audience: 'https://management.airgap.example/' })).toEqual({
      authorityHost: 'https://login.airgap.example',
      tokenScope: 'https://management.airgap.example/.default',
    });
    expect(azureCloudEndpoints('AirgappedCloud', {})).toEqual({
      error:
        "environment AirgappedCloud: the operator has not set IMPS_KRM_AZURE_AIRGAPPED_AUTHORITY_HOST and IMPS_KRM_AZURE_AIRGAPPED_AUDIENCE (the air-gapped cloud's Entra authority and Resource Manager audience)",
    });
    expect(azureCloudEndpoints('AirgappedCloud', { authorityHost: 'https://login.airgap.example' })).toMatchObject({ error: expect.stringContaining('not set IMPS_KRM_AZURE_AIRGAPPED_AUDIENCE (') });
    expect(azureCloudEndpoints('AirgappedCloud', { authorityHost: 'http://login.airgap.example', audience: 'https://m/' })).toEqual({
      error: 'environment AirgappedCloud: IMPS_KRM_AZURE_AIRGAPPED_AUTHORITY_HOST must be an https origin',
    });
  });
});
