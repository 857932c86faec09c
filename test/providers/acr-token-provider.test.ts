import { ambientIdentities } from '../../src/adapters/ambient-identities.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cloudTokenProvider } from '../../src/adapters/cloud-token-provider.js';
import type { AcrTokenRequest, AzureIdentity } from '../../src/core/tokens.js';
import { claimsOf } from '../fakes/fake-jwt.js';
import { startFakeAzure, type FakeAzure } from '../fakes/azure-server.js';
import { withEnv } from '../support/env.js';
import { runTs } from './child.js';
import { cloudTls } from './cloud-tls.js';

const NOW = new Date('2026-11-22T00:00:00Z');
const ARM = 'https://management.azure.com/.default';
let azure: FakeAzure;
let restoreEnv: () => void;

beforeAll(async () => {
  azure = await startFakeAzure(cloudTls());
  // Read by @azure/identity from the process; our own settings reach the provider as input (OPERATOR below).
  restoreEnv = withEnv({ AZURE_POD_IDENTITY_AUTHORITY_HOST: azure.httpUrl });
});
afterAll(async () => {
  restoreEnv();
  await azure.close();
});
beforeEach(() => {
  // The managed and workload identity tokens are kept for the process (ambient-identities.ts): forget them per test.
  ambientIdentities.forget();
  azure.reset();
  azure.setNow(() => NOW);
});

const request = (identity: AzureIdentity, extra: Partial<AcrTokenRequest> = {}): AcrTokenRequest => ({
  provider: 'acr',
  registry: azure.httpUrl,
  identity,
  cloud: 'PublicCloud',
  ...extra,
});
/** The operator's settings for these tests: the fake registry is plain http on loopback. */
const OPERATOR = { IMPS_KRM_INSECURE_REGISTRY_HOSTS: '127.0.0.1' };
const fetchToken = (r: AcrTokenRequest, env: Record<string, string> = OPERATOR) => cloudTokenProvider(env).fetchToken(r);
const failure = async (r: AcrTokenRequest, env: Record<string, string> = OPERATOR): Promise<string> => {
  try {
    await fetchToken(r, env);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected a failure');
};

describe('ACR with a managed identity (IMDS via AZURE_POD_IDENTITY_AUTHORITY_HOST)', () => {
  it('mints an unscoped refresh token for a user-assigned identity, expiry from its exp claim', async () => {
    azure.allowManagedIdentity('mi-client');
    const token = await fetchToken(request({ kind: 'ManagedIdentity', clientId: 'mi-client' }));
    expect(token.username).toBe('00000000-0000-0000-0000-000000000000');
    expect(claimsOf(token.password)).toMatchObject({ grant_type: 'refresh_token', sub: 'mi-client' });
    expect(token.expiresAt?.toISOString()).toBe('2026-11-22T03:00:00.000Z');
    const imds = azure.calls.find((c) => c.endpoint === 'imds');
    expect(imds?.params).toMatchObject({ client_id: 'mi-client', resource: 'https://management.azure.com' });
    expect(azure.calls.find((c) => c.endpoint === 'acr-exchange')?.params).toMatchObject({ grant_type: 'access_token', service: azure.httpUrl.slice(7) });
  });

  it('exchanges for a repository-scoped access token when a scope is given (resource id, 75-minute token)', async () => {
    azure.allowManagedIdentity('/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pull');
    const token = await fetchToken(
      request(
        { kind: 'ManagedIdentity', resourceId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pull' },
        { scope: 'repository:team/app:pull repository:base:pull' },
      ),
    );
    expect(claimsOf(token.password)).toMatchObject({
      access: [
        { type: 'repository', name: 'team/app', actions: ['pull'] },
        { type: 'repository', name: 'base', actions: ['pull'] },
      ],
    });
    expect(token.expiresAt?.toISOString()).toBe('2026-11-22T01:15:00.000Z');
    expect(azure.calls.find((c) => c.endpoint === 'acr-token')?.params).toMatchObject({ grant_type: 'refresh_token', scope: 'repository:team/app:pull repository:base:pull' });
  });

  it('uses the system-assigned identity when no id is given', async () => {
    const token = await fetchToken(request({ kind: 'ManagedIdentity' }));
    expect(claimsOf(token.password)).toMatchObject({ sub: 'system-assigned' });
  });

  it('names the identity and the cause when IMDS refuses', async () => {
    const message = await failure(request({ kind: 'ManagedIdentity', clientId: 'unknown-client' }));
    expect(message).toMatch(/^Entra ID token \(ManagedIdentity\): /);
    expect(message).toMatch(/Identity not found|invalid_request/);
  });

  it('reports the ACR error code when the exchange is refused', async () => {
    azure.failNext('acr-exchange', { status: 401, body: { errors: [{ code: 'UNAUTHORIZED', message: 'identity has no AcrPull role' }] } });
    const message = await failure(request({ kind: 'ManagedIdentity' }));
    expect(message).toBe(`ACR /oauth2/exchange at ${azure.httpUrl.slice(7)}: HTTP 401: UNAUTHORIZED: identity has no AcrPull role`);
  });

  it('reports a refused scope at /oauth2/token', async () => {
    azure.failNext('acr-token', { status: 401, body: { errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] } });
    const message = await failure(request({ kind: 'ManagedIdentity' }, { scope: 'repository:secret:pull' }));
    expect(message).toMatch(/^ACR \/oauth2\/token at 127\.0\.0\.1:\d+: HTTP 401: DENIED: requested access/);
  });

  it('refuses a token without an exp claim: its renewal could not be planned', async () => {
    azure.failNext('acr-exchange', { status: 200, body: { refresh_token: 'opaque-token-CANARY' } });
    const message = await failure(request({ kind: 'ManagedIdentity' }));
    expect(message).toMatch(/has no exp claim/);
    expect(message).not.toContain('CANARY');
  });

  it('refuses plain http unless the host is listed as insecure, before asking for any token', async () => {
    expect(await failure(request({ kind: 'ManagedIdentity' }), {})).toMatch(/plain http is refused.*IMPS_KRM_INSECURE_REGISTRY_HOSTS/);
    expect(azure.calls).toEqual([]);
  });

  it('refuses a registry outside the allowed suffixes, before asking for any token', async () => {
    expect(await failure(request({ kind: 'ManagedIdentity' }, { registry: 'registry.example.com' }))).toBe(
      'ACR registry registry.example.com is not in the allowed suffixes (azurecr.io, azurecr.us, azurecr.cn); set IMPS_KRM_ACR_ALLOWED_SUFFIXES to allow it',
    );
    expect(await failure(request({ kind: 'ManagedIdentity' }, { registry: 'evilazurecr.io' }))).toMatch(/not in the allowed suffixes/);
    expect(azure.calls).toEqual([]);
  });
});

describe('ACR with workload identity and a service principal (Entra over https, child process)', () => {
  const child = async (
    r: AcrTokenRequest,
    env: Record<string, string | undefined> = {},
  ): Promise<{ token?: { username: string; password: string; expiresAt?: string }; error?: string }> => {
    const run = await runTs('test/providers/run-token.ts', [], {
      IMPS_KRM_TEST_REQUEST: JSON.stringify(r),
      AZURE_AUTHORITY_HOST: azure.authorityHost,
      NODE_EXTRA_CA_CERTS: cloudTls().caFile,
      IMPS_KRM_INSECURE_REGISTRY_HOSTS: '127.0.0.1',
      ...env,
    });
    expect(run.stderr).toBe('');
    return JSON.parse(run.stdout) as { token?: { username: string; password: string; expiresAt?: string }; error?: string };
  };
  const tokenFile = (content: string): string => {
    const path = join(mkdtempSync(join(tmpdir(), 'imps-krm-wi-')), 'token');
    writeFileSync(path, content);
    return path;
  };

  it('mints a scoped token from a federated token file, with instance discovery off', async () => {
    azure.allowFederatedToken('wi-client', 'federated-sa-token');
    const result = await child(request({ kind: 'WorkloadIdentity', clientId: 'wi-client', tenantId: 'tenant-1' }, { scope: 'repository:app:pull' }), {
      AZURE_FEDERATED_TOKEN_FILE: tokenFile('federated-sa-token'),
    });
    expect(result.error).toBeUndefined();
    expect(result.token).toMatchObject({ username: '00000000-0000-0000-0000-000000000000', expiresAt: '2026-11-22T01:15:00.000Z' });
    expect(azure.calls.find((c) => c.endpoint === 'entra-token')?.params).toMatchObject({
      tenant: 'tenant-1',
      client_id: 'wi-client',
      client_assertion: '[set]',
      scope: expect.stringContaining(ARM),
    });
  });

  it('maps a rejected federated token to the Entra error code, without the token', async () => {
    azure.allowFederatedToken('wi-client', 'the-right-token');
    const result = await child(request({ kind: 'WorkloadIdentity', clientId: 'wi-client', tenantId: 'tenant-1' }), {
      AZURE_FEDERATED_TOKEN_FILE: tokenFile('CANARY-wrong-token'),
    });
    expect(result.error).toMatch(/^Entra ID token \(WorkloadIdentity\): .*invalid_client.*AADSTS700213/);
    expect(result.error).not.toContain('CANARY');
  });

  it('takes an air-gapped cloud\'s authority and audience from the operator\'s settings only', async () => {
    azure.allowClientSecret('sp-client', 'sp-secret-value');
    const airgapped = request({ kind: 'ServicePrincipal', clientId: 'sp-client', tenantId: 'tenant-3', clientSecret: 'sp-secret-value' }, { cloud: 'AirgappedCloud' });
    const result = await child(airgapped, {
      AZURE_AUTHORITY_HOST: undefined,
      IMPS_KRM_AZURE_AIRGAPPED_AUTHORITY_HOST: azure.authorityHost,
      IMPS_KRM_AZURE_AIRGAPPED_AUDIENCE: 'https://management.airgap.example/',
    });
    expect(result.error).toBeUndefined();
    expect(azure.calls.find((c) => c.endpoint === 'entra-token')?.params).toMatchObject({ tenant: 'tenant-3', scope: expect.stringContaining('https://management.airgap.example/.default') });

    azure.reset();
    const unset = await child(airgapped, { IMPS_KRM_AZURE_AIRGAPPED_AUTHORITY_HOST: undefined, IMPS_KRM_AZURE_AIRGAPPED_AUDIENCE: undefined });
    expect(unset.error).toBe(
      "environment AirgappedCloud: the operator has not set IMPS_KRM_AZURE_AIRGAPPED_AUTHORITY_HOST and IMPS_KRM_AZURE_AIRGAPPED_AUDIENCE (the air-gapped cloud's Entra authority and Resource Manager audience)",
    );
    expect(azure.calls).toEqual([]);
  });

  it('mints an unscoped token for a service principal', async () => {
    azure.allowClientSecret('sp-client', 'sp-secret-value');
    const result = await child(request({ kind: 'ServicePrincipal', clientId: 'sp-client', tenantId: 'tenant-2', clientSecret: 'sp-secret-value' }));
    expect(result.token).toMatchObject({ expiresAt: '2026-11-22T03:00:00.000Z' });
  });

  it('maps a wrong client secret to AADSTS7000215, without the secret', async () => {
    azure.allowClientSecret('sp-client', 'right');
    const result = await child(request({ kind: 'ServicePrincipal', clientId: 'sp-client', tenantId: 'tenant-2', clientSecret: 'CANARY-wrong-secret' }));
    expect(result.error).toMatch(/^Entra ID token \(ServicePrincipal\): .*AADSTS7000215/);
    expect(result.error).not.toContain('CANARY');
  });
});
