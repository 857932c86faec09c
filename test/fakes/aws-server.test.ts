import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ECRClient, GetAuthorizationTokenCommand, InvalidParameterException } from '@aws-sdk/client-ecr';
import { ECRPUBLICClient, GetAuthorizationTokenCommand as GetPublicAuthorizationTokenCommand } from '@aws-sdk/client-ecr-public';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { decodeEcrToken, FAKE_ACCOUNT_ID, startFakeAws, tempAccessKeyIdForRole, type FakeAws } from './aws-server.js';

// Set for the whole test process (each vitest test file runs in its own worker).
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
process.env['AWS_EC2_METADATA_DISABLED'] = 'true';

const STATIC = { accessKeyId: 'AKIAFAKESTATIC000001', secretAccessKey: 'static-secret' };
const ROLE = 'arn:aws:iam::210987654321:role/imps-puller';

interface SdkError {
  name: string;
  message: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

async function sdkError(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('expected the call to fail');
}

let fake: FakeAws;
let scratch: string;
let savedEnv: Record<string, string | undefined>;

/** Env vars must be set before a client is constructed; afterEach restores everything. */
function setEnv(vars: Record<string, string>): void {
  for (const [k, v] of Object.entries(vars)) process.env[k] = v;
}

beforeAll(async () => {
  fake = await startFakeAws();
  scratch = mkdtempSync(join(tmpdir(), 'fake-aws-'));
});

afterAll(async () => {
  await fake.close();
  rmSync(scratch, { recursive: true, force: true });
});

beforeEach(() => {
  savedEnv = { ...process.env };
  // Start each test from a clean AWS environment: no ambient keys, profiles or config files.
  for (const k of Object.keys(process.env)) {
    if (k.startsWith('AWS_')) delete process.env[k];
  }
  setEnv({
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(scratch, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'no-credentials'),
  });
  fake.reset();
});

afterEach(() => {
  for (const k of Object.keys(process.env)) {
    if (!(k in savedEnv)) delete process.env[k];
  }
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v !== undefined) process.env[k] = v;
  }
});

describe('fake AWS: ECR', () => {
  it('returns a token for static keys through AWS_ENDPOINT_URL_ECR', async () => {
    setEnv(fake.env());
    fake.setEcrPassword(STATIC.accessKeyId, 's3cret-pass');
    const fixed = new Date('2030-01-02T03:04:05.000Z');
    fake.setNow(() => fixed);
    const ecr = new ECRClient({ region: 'eu-west-1', credentials: STATIC });
    const out = await ecr.send(new GetAuthorizationTokenCommand({}));
    const data = out.authorizationData ?? [];
    expect(data).toHaveLength(1);
    const first = data[0]!;
    expect(decodeEcrToken(first.authorizationToken ?? '')).toEqual({ username: 'AWS', password: 's3cret-pass' });
    expect(first.expiresAt).toBeInstanceOf(Date);
    expect(first.expiresAt?.getTime()).toBe(fixed.getTime() + 43200 * 1000);
    expect(first.proxyEndpoint).toBe(`https://${FAKE_ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com`);
    expect(fake.calls).toEqual([
      { service: 'ecr', action: 'GetAuthorizationToken', accessKeyId: STATIC.accessKeyId, region: 'eu-west-1', params: {} },
    ]);
  });

  it('uses the default password, the lifetime knob and one entry per registryId', async () => {
    setEnv(fake.env());
    fake.setTokenLifetimeSeconds(600);
    const ecr = new ECRClient({ region: 'us-west-2', credentials: { accessKeyId: 'AKIAOTHER', secretAccessKey: 'x' } });
    const before = Date.now();
    const out = await ecr.send(new GetAuthorizationTokenCommand({ registryIds: ['111111111111', '222222222222'] }));
    const data = out.authorizationData ?? [];
    expect(data.map((d) => d.proxyEndpoint)).toEqual([
      'https://111111111111.dkr.ecr.us-west-2.amazonaws.com',
      'https://222222222222.dkr.ecr.us-west-2.amazonaws.com',
    ]);
    expect(decodeEcrToken(data[0]?.authorizationToken ?? '').password).toBe('ecr-password-for-AKIAOTHER');
    const exp = data[0]?.expiresAt?.getTime() ?? 0;
    // expiresAt has second precision
    expect(exp).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 600_000);
    expect(exp).toBeLessThanOrEqual(Date.now() + 600_000);
    expect(fake.calls[0]?.params).toEqual({ registryIds: ['111111111111', '222222222222'] });
  });

  it('also routes through the global AWS_ENDPOINT_URL', async () => {
    setEnv({ AWS_ENDPOINT_URL: fake.url });
    const ecr = new ECRClient({ region: 'eu-central-1', credentials: STATIC });
    const out = await ecr.send(new GetAuthorizationTokenCommand({}));
    expect(out.authorizationData?.[0]?.proxyEndpoint).toBe(`https://${FAKE_ACCOUNT_ID}.dkr.ecr.eu-central-1.amazonaws.com`);
    expect(fake.calls).toHaveLength(1);
  });

  it('maps InvalidParameterException (failNext and bad registryIds)', async () => {
    setEnv(fake.env());
    const ecr = new ECRClient({ region: 'eu-west-1', credentials: STATIC });
    fake.failNext('ecr', { status: 400, code: 'InvalidParameterException', message: 'injected' });
    const e1 = await sdkError(ecr.send(new GetAuthorizationTokenCommand({})));
    expect(e1).toBeInstanceOf(InvalidParameterException);
    expect(e1.name).toBe('InvalidParameterException');
    expect(e1.message).toBe('injected');
    expect(e1.$metadata?.httpStatusCode).toBe(400);

    const e2 = await sdkError(ecr.send(new GetAuthorizationTokenCommand({ registryIds: ['not-an-account'] })));
    expect(e2.name).toBe('InvalidParameterException');
    expect(e2.$metadata?.httpStatusCode).toBe(400);

    // the knob is used up
    await expect(ecr.send(new GetAuthorizationTokenCommand({}))).resolves.toBeDefined();
  });

  it('maps UnrecognizedClientException for INVALID and rejected keys', async () => {
    setEnv(fake.env());
    fake.rejectAccessKey('AKIAREVOKED');
    for (const accessKeyId of ['INVALID', 'AKIAREVOKED']) {
      const ecr = new ECRClient({ region: 'eu-west-1', credentials: { accessKeyId, secretAccessKey: 'x' } });
      const err = await sdkError(ecr.send(new GetAuthorizationTokenCommand({})));
      expect(err.name).toBe('UnrecognizedClientException');
      expect(err.message).toBe('The security token included in the request is invalid.');
      expect(err.$metadata?.httpStatusCode).toBe(400);
    }
  });

  it('a 500 is retried by the SDK; three in a row exhaust the default 3 attempts', async () => {
    setEnv(fake.env());
    const ecr = new ECRClient({ region: 'eu-west-1', credentials: STATIC });
    fake.failNext('ecr', { status: 500, code: 'ServerException', message: 'boom' }, 1);
    await expect(ecr.send(new GetAuthorizationTokenCommand({}))).resolves.toBeDefined();
    expect(fake.calls).toHaveLength(2);

    fake.resetCalls();
    fake.failNext('ecr', { status: 500, code: 'ServerException', message: 'boom' }, 3);
    const err = await sdkError(ecr.send(new GetAuthorizationTokenCommand({})));
    expect(err.name).toBe('ServerException');
    expect(err.$metadata?.httpStatusCode).toBe(500);
    expect(err.$metadata?.attempts).toBe(3);
    expect(fake.calls).toHaveLength(3);
  });
});

describe('fake AWS: ECR Public', () => {
  it('returns a single authorizationData object in us-east-1', async () => {
    setEnv(fake.env());
    const pub = new ECRPUBLICClient({ region: 'us-east-1', credentials: STATIC });
    const out = await pub.send(new GetPublicAuthorizationTokenCommand({}));
    expect(decodeEcrToken(out.authorizationData?.authorizationToken ?? '')).toEqual({
      username: 'AWS',
      password: `ecr-password-for-${STATIC.accessKeyId}`,
    });
    expect(out.authorizationData?.expiresAt).toBeInstanceOf(Date);
    expect(fake.calls).toEqual([
      { service: 'ecr-public', action: 'GetAuthorizationToken', accessKeyId: STATIC.accessKeyId, region: 'us-east-1', params: {} },
    ]);
  });

  it('rejects a signature scoped to another region like AWS does', async () => {
    setEnv(fake.env());
    const pub = new ECRPUBLICClient({ region: 'eu-west-1', credentials: STATIC });
    const err = await sdkError(pub.send(new GetPublicAuthorizationTokenCommand({})));
    expect(err.name).toBe('InvalidSignatureException');
    expect(err.message).toContain('Credential should be scoped to a valid region');
    expect(err.$metadata?.httpStatusCode).toBe(403);
  });
});

describe('fake AWS: STS', () => {
  it('AssumeRole then ECR with the temporary credentials', async () => {
    setEnv(fake.env());
    fake.allowRole(ROLE, { fromAccessKeyId: STATIC.accessKeyId });
    const sts = new STSClient({ region: 'eu-west-1', credentials: STATIC });
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'imps' }));
    const c = assumed.Credentials;
    expect(c?.AccessKeyId).toBe(tempAccessKeyIdForRole(ROLE));
    expect(c?.AccessKeyId?.startsWith('ASIA-')).toBe(true);
    expect(c?.Expiration).toBeInstanceOf(Date);
    expect(assumed.AssumedRoleUser?.Arn).toBe('arn:aws:sts::210987654321:assumed-role/imps-puller/imps');
    expect(fake.calls[0]).toMatchObject({
      service: 'sts',
      action: 'AssumeRole',
      accessKeyId: STATIC.accessKeyId,
      region: 'eu-west-1',
      params: { Action: 'AssumeRole', Version: '2011-06-15', RoleArn: ROLE, RoleSessionName: 'imps' },
    });

    const who = await new STSClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' },
    }).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe('arn:aws:sts::210987654321:assumed-role/imps-puller/imps');

    fake.resetCalls();
    const ecr = new ECRClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' },
    });
    const out = await ecr.send(new GetAuthorizationTokenCommand({}));
    expect(decodeEcrToken(out.authorizationData?.[0]?.authorizationToken ?? '').password).toBe(
      `ecr-password-for-${tempAccessKeyIdForRole(ROLE)}`,
    );
    expect(fake.calls).toEqual([
      {
        service: 'ecr',
        action: 'GetAuthorizationToken',
        accessKeyId: tempAccessKeyIdForRole(ROLE),
        region: 'eu-west-1',
        sessionToken: c?.SessionToken,
        params: {},
      },
    ]);

    // A temp key presented with a session token the fake never issued is refused.
    const forged = new ECRClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: 'x', sessionToken: 'forged' },
    });
    expect((await sdkError(forged.send(new GetAuthorizationTokenCommand({})))).name).toBe('UnrecognizedClientException');
  });

  it('GetCallerIdentity for static keys', async () => {
    setEnv(fake.env());
    const out = await new STSClient({ region: 'us-east-1', credentials: STATIC }).send(new GetCallerIdentityCommand({}));
    expect(out.Account).toBe(FAKE_ACCOUNT_ID);
    expect(out.Arn).toBe(`arn:aws:iam::${FAKE_ACCOUNT_ID}:user/${STATIC.accessKeyId}`);
  });

  it('maps AccessDenied (403) for roles not allowed or callers not allowed', async () => {
    setEnv(fake.env());
    fake.allowRole('arn:aws:iam::210987654321:role/only-for-other', { fromAccessKeyId: 'AKIASOMEONEELSE' });
    const sts = new STSClient({ region: 'eu-west-1', credentials: STATIC });
    for (const RoleArn of ['arn:aws:iam::210987654321:role/never-allowed', 'arn:aws:iam::210987654321:role/only-for-other']) {
      const err = await sdkError(sts.send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 's' })));
      expect(err.name).toBe('AccessDenied');
      expect(err.message).toContain(`is not authorized to perform: sts:AssumeRole on resource: ${RoleArn}`);
      expect(err.$metadata?.httpStatusCode).toBe(403);
    }
  });

  it('maps InvalidClientTokenId (403) and injected STS errors', async () => {
    setEnv(fake.env());
    const bad = new STSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'INVALID', secretAccessKey: 'x' } });
    const e1 = await sdkError(bad.send(new GetCallerIdentityCommand({})));
    expect(e1.name).toBe('InvalidClientTokenId');
    expect(e1.$metadata?.httpStatusCode).toBe(403);

    fake.failNext('sts', { status: 400, code: 'RegionDisabledException', message: 'STS is not activated in this region' });
    const e2 = await sdkError(new STSClient({ region: 'eu-west-1', credentials: STATIC }).send(new GetCallerIdentityCommand({})));
    expect(e2.name).toBe('RegionDisabledException');
    expect(e2.message).toBe('STS is not activated in this region');
    expect(e2.$metadata?.httpStatusCode).toBe(400);
  });

  it('AssumeRoleWithWebIdentity: wrong token and unknown role', async () => {
    setEnv(fake.env());
    fake.allowWebIdentity('arn:aws:iam::210987654321:role/irsa-a', 'right-token');
    // No credentials at all: the operation is unsigned, so the client must not need any.
    const sts = new STSClient({ region: 'eu-west-1' });
    const ok = await sts.send(
      new AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::210987654321:role/irsa-a', RoleSessionName: 's', WebIdentityToken: 'right-token' }),
    );
    expect(ok.Credentials?.AccessKeyId).toBe(tempAccessKeyIdForRole('arn:aws:iam::210987654321:role/irsa-a'));
    expect(fake.calls[0]?.accessKeyId).toBeUndefined();

    const e1 = await sdkError(
      sts.send(
        new AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::210987654321:role/irsa-a', RoleSessionName: 's', WebIdentityToken: 'wrong' }),
      ),
    );
    // STS sends <Code>InvalidIdentityToken</Code>; the SDK maps the awsQueryError code to the modeled class name.
    expect(e1.name).toBe('InvalidIdentityTokenException');
    expect(e1.$metadata?.httpStatusCode).toBe(400);

    const e2 = await sdkError(
      sts.send(
        new AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::210987654321:role/nope', RoleSessionName: 's', WebIdentityToken: 'right-token' }),
      ),
    );
    expect(e2.name).toBe('AccessDenied');
    expect(e2.$metadata?.httpStatusCode).toBe(403);
  });
});

describe('fake AWS: SDK default credential chain', () => {
  it('IRSA: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN -> AssumeRoleWithWebIdentity -> ECR', async () => {
    const role = 'arn:aws:iam::210987654321:role/irsa-puller';
    const tokenFile = join(scratch, 'irsa-token');
    writeFileSync(tokenFile, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6aW1wczppbXBzIn0.c2ln');
    fake.allowWebIdentity(role, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6aW1wczppbXBzIn0.c2ln');
    setEnv({ ...fake.env(), AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: role, AWS_ROLE_SESSION_NAME: 'irsa-session' });

    const ecr = new ECRClient({ region: 'eu-west-1' }); // no credentials: default chain
    const out = await ecr.send(new GetAuthorizationTokenCommand({}));
    expect(decodeEcrToken(out.authorizationData?.[0]?.authorizationToken ?? '').password).toBe(
      `ecr-password-for-${tempAccessKeyIdForRole(role)}`,
    );
    expect(fake.calls.map((c) => `${c.service}:${c.action}`)).toEqual(['sts:AssumeRoleWithWebIdentity', 'ecr:GetAuthorizationToken']);
    const [stsCall, ecrCall] = fake.calls;
    expect(stsCall?.accessKeyId).toBeUndefined(); // unsigned
    expect(stsCall?.params).toMatchObject({ RoleArn: role, RoleSessionName: 'irsa-session' });
    expect(ecrCall?.accessKeyId).toBe(tempAccessKeyIdForRole(role));
    expect(ecrCall?.sessionToken).toMatch(/^FakeSessionToken\//);
  });

  it('IRSA with a token STS does not accept: the STS error surfaces from the ECR call', async () => {
    const role = 'arn:aws:iam::210987654321:role/irsa-puller';
    const tokenFile = join(scratch, 'irsa-token-wrong');
    writeFileSync(tokenFile, 'stale-token');
    fake.allowWebIdentity(role, 'fresh-token');
    setEnv({ ...fake.env(), AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: role });
    const err = await sdkError(new ECRClient({ region: 'eu-west-1' }).send(new GetAuthorizationTokenCommand({})));
    expect(err.name).toBe('InvalidIdentityTokenException');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(fake.calls.map((c) => c.service)).toEqual(['sts']);
    // Without AWS_ROLE_SESSION_NAME the SDK makes up a session name.
    expect(fake.calls[0]?.params['RoleSessionName']).toEqual(expect.any(String));
  });

  it('EKS Pod Identity: AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN -> ECR', async () => {
    fake.setContainerCredentials({
      accessKeyId: 'ASIAPODIDENTITY00001',
      secretAccessKey: 'pod-secret',
      token: 'pod-session-token',
      authToken: 'eks-pod-identity-auth-token',
    });
    setEnv({ ...fake.env(), ...fake.containerEnv() });
    expect(fake.containerEnv()).toEqual({
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${fake.url}/pod-identity`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: 'eks-pod-identity-auth-token',
    });

    const ecr = new ECRClient({ region: 'eu-west-1' });
    await ecr.send(new GetAuthorizationTokenCommand({}));
    expect(fake.calls).toEqual([
      {
        service: 'container-credentials',
        action: 'GetCredentials',
        params: { path: '/pod-identity', authorization: 'eks-pod-identity-auth-token' },
      },
      {
        service: 'ecr',
        action: 'GetAuthorizationToken',
        accessKeyId: 'ASIAPODIDENTITY00001',
        region: 'eu-west-1',
        sessionToken: 'pod-session-token',
        params: {},
      },
    ]);
  });

  it('container credentials with a wrong authorization token fail to resolve', async () => {
    fake.setContainerCredentials({ accessKeyId: 'ASIAPOD2', secretAccessKey: 's', authToken: 'expected' });
    setEnv({ ...fake.env(), AWS_CONTAINER_CREDENTIALS_FULL_URI: fake.containerCredentialsUrl, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'wrong' });
    const ecr = new ECRClient({ region: 'eu-west-1' });
    const err = await sdkError(ecr.send(new GetAuthorizationTokenCommand({})));
    expect(err.name).toBe('CredentialsProviderError');
    // fromHttp tries 4 times (3 retries, 1 s apart), then fromContainerMetadata once; no ECR call is made.
    expect(fake.calls.every((c) => c.service === 'container-credentials')).toBe(true);
    expect(fake.calls).toHaveLength(5);
  }, 20_000);

  it('with AWS_EC2_METADATA_DISABLED and nothing configured, the chain fails fast', async () => {
    setEnv(fake.env());
    const ecr = new ECRClient({ region: 'eu-west-1' });
    const err = await sdkError(ecr.send(new GetAuthorizationTokenCommand({})));
    expect(err.name).toBe('CredentialsProviderError');
    expect(fake.calls).toHaveLength(0); // no credential endpoint was tried, so nothing was waited for

  });
});

describe('fake AWS: raw wire', () => {
  it('rejects unsigned ECR requests and unknown targets', async () => {
    const unsigned = await fetch(fake.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken' },
      body: '{}',
    });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });

    const unknown = await fetch(fake.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Nope.Nothing' },
      body: '{}',
    });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { __type: string }).__type).toBe('UnknownOperationException');
  });
});
