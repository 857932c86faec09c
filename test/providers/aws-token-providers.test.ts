import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloudTokenProvider } from '../../src/adapters/cloud-token-provider.js';
import type { TokenRequest } from '../../src/core/tokens.js';
import { tempAccessKeyIdForRole } from '../fakes/aws-server.js';
import { inEnv } from '../support/env.js';
import { useFakeAws } from '../support/fake-aws.js';

// The endpoints reach the providers as input (cloudTokenProvider(env)); process.env is set only where the SDK reads
// it itself: its default credential chain.
const NOW = new Date('2026-11-22T00:00:00Z');
const fakeAws = useFakeAws({ now: NOW });

const fetchToken = (request: TokenRequest) => cloudTokenProvider(fakeAws().env()).fetchToken(request);
const failure = async (request: TokenRequest): Promise<string> => {
  try {
    await fetchToken(request);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected a failure');
};
const keys = { accessKeyId: 'AKIAPUBLIC', secretAccessKey: 'CANARY-public-secret' };

describe('ECR Public (AWS_ENDPOINT_URL_ECR_PUBLIC)', () => {
  it('mints a token in us-east-1 whatever AWS_REGION says, username AWS, expiry from the reply', async () => {
    // AWS_REGION is read by the SDK from the process: set there to show it is not what picks the region.
    const token = await inEnv({ AWS_REGION: 'eu-west-1' }, () => fetchToken({ provider: 'ecr-public', keys }));
    expect(token).toEqual({ username: 'AWS', password: 'ecr-password-for-AKIAPUBLIC', expiresAt: new Date('2026-11-22T12:00:00Z') });
    expect(fakeAws().calls).toMatchObject([{ service: 'ecr-public', action: 'GetAuthorizationToken', region: 'us-east-1', accessKeyId: 'AKIAPUBLIC' }]);
  });

  it('assumes a role in us-east-1 first when roleArn is set', async () => {
    const roleArn = 'arn:aws:iam::123456789012:role/public-pull';
    fakeAws().allowRole(roleArn, { fromAccessKeyId: 'AKIAPUBLIC' });
    const token = await fetchToken({ provider: 'ecr-public', keys, roleArn });
    expect(token.password).toBe(`ecr-password-for-${tempAccessKeyIdForRole(roleArn)}`);
    expect(fakeAws().calls.map((c) => `${c.service}:${c.action}:${c.region}`)).toEqual(['sts:AssumeRole:us-east-1', 'ecr-public:GetAuthorizationToken:us-east-1']);
  });

  it('uses the default chain without keys (EKS Pod Identity container credentials)', async () => {
    fakeAws().setContainerCredentials({ accessKeyId: 'ASIAPODIDENTITY', secretAccessKey: 'CANARY-pod', authToken: 'pod-auth' });
    const token = await inEnv(fakeAws().containerEnv(), () => fetchToken({ provider: 'ecr-public' }));
    expect(token.password).toBe('ecr-password-for-ASIAPODIDENTITY');
  });

  it('maps an AWS error to its code and message, without the secret key', async () => {
    fakeAws().rejectAccessKey('AKIAPUBLIC');
    const message = await failure({ provider: 'ecr-public', keys });
    expect(message).toBe('ECR Public GetAuthorizationToken (us-east-1): UnrecognizedClientException (HTTP 400): The security token included in the request is invalid.');
  });

  it('reaches no endpoint it was not given: without the override the SDK would go to AWS (refused by the guard)', async () => {
    const message = await cloudTokenProvider({}).fetchToken({ provider: 'ecr-public', keys }).then(
      () => 'minted',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(message).not.toBe('minted');
    expect(fakeAws().calls).toEqual([]);
  });
});

describe('private ECR without keys: the default chain', () => {
  /** IRSA: the SDK's chain reads the role and token file, and calls STS itself, from the process environment. */
  const webIdentity = (roleArn: string, file: string) => ({ ...fakeAws().env(), AWS_ROLE_ARN: roleArn, AWS_WEB_IDENTITY_TOKEN_FILE: file });
  const tokenFile = (content: string): string => {
    const file = join(mkdtempSync(join(tmpdir(), 'imps-krm-irsa-')), 'token');
    writeFileSync(file, content);
    return file;
  };

  it('uses web identity (IRSA: AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE)', async () => {
    const roleArn = 'arn:aws:iam::123456789012:role/irsa-pull';
    // A past server clock would make the SDK see the role credentials as expired and fetch them twice.
    fakeAws().setNow(() => new Date());
    fakeAws().allowWebIdentity(roleArn, 'projected-sa-token');
    const token = await inEnv(webIdentity(roleArn, tokenFile('projected-sa-token')), () => fetchToken({ provider: 'ecr', region: 'eu-central-1' }));
    expect(token.password).toBe(`ecr-password-for-${tempAccessKeyIdForRole(roleArn)}`);
    expect(fakeAws().calls.map((c) => `${c.service}:${c.action}`)).toEqual(['sts:AssumeRoleWithWebIdentity', 'ecr:GetAuthorizationToken']);
    expect(fakeAws().calls[1]).toMatchObject({ region: 'eu-central-1' });
  });

  it('reports a rejected web identity token by its STS code', async () => {
    const roleArn = 'arn:aws:iam::123456789012:role/irsa-pull';
    fakeAws().allowWebIdentity(roleArn, 'another-token');
    const message = await inEnv(webIdentity(roleArn, tokenFile('CANARY-stale-token')), () => failure({ provider: 'ecr', region: 'eu-central-1' }));
    expect(message).toMatch(/^ECR GetAuthorizationToken \(eu-central-1\): InvalidIdentityTokenException/);
    expect(message).not.toContain('CANARY');
  });

  it('uses EKS Pod Identity (AWS_CONTAINER_CREDENTIALS_FULL_URI + authorization token)', async () => {
    fakeAws().setContainerCredentials({ accessKeyId: 'ASIAPODIDENTITY', secretAccessKey: 'CANARY-pod', authToken: 'pod-auth' });
    const token = await inEnv(fakeAws().containerEnv(), () => fetchToken({ provider: 'ecr', region: 'us-west-2' }));
    expect(token.password).toBe('ecr-password-for-ASIAPODIDENTITY');
    expect(fakeAws().calls[0]).toMatchObject({ service: 'container-credentials', params: { authorization: 'pod-auth' } });
  });

  it('says how to give an identity when the chain finds none', async () => {
    expect(await failure({ provider: 'ecr', region: 'us-west-2' })).toMatch(/no AWS credentials: give the source accessKeyID and secretKey, or the process an AWS identity/);
  });
});
