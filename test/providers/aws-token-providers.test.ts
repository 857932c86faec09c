import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cloudTokenProvider } from '../../src/adapters/cloud-token-provider.js';
import type { TokenRequest } from '../../src/core/tokens.js';
import { startFakeAws, tempAccessKeyIdForRole, type FakeAws } from '../fakes/aws-server.js';
import { withEnv } from '../golden/harness.js';

const NOW = new Date('2026-11-22T00:00:00Z');
let aws: FakeAws;
let restoreEnv: () => void;

beforeAll(async () => {
  aws = await startFakeAws();
  restoreEnv = withEnv(aws.env());
});
afterAll(async () => {
  restoreEnv();
  await aws.close();
});
beforeEach(() => {
  aws.reset();
  aws.setNow(() => NOW);
});

const fetchToken = (request: TokenRequest) => cloudTokenProvider().fetchToken(request);
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
    const undo = withEnv({ AWS_REGION: 'eu-west-1' });
    try {
      const token = await fetchToken({ provider: 'ecr-public', keys });
      expect(token).toEqual({ username: 'AWS', password: 'ecr-password-for-AKIAPUBLIC', expiresAt: new Date('2026-11-22T12:00:00Z') });
    } finally {
      undo();
    }
    expect(aws.calls).toMatchObject([{ service: 'ecr-public', action: 'GetAuthorizationToken', region: 'us-east-1', accessKeyId: 'AKIAPUBLIC' }]);
  });

  it('assumes a role in us-east-1 first when roleArn is set', async () => {
    const roleArn = 'arn:aws:iam::123456789012:role/public-pull';
    aws.allowRole(roleArn, { fromAccessKeyId: 'AKIAPUBLIC' });
    const token = await fetchToken({ provider: 'ecr-public', keys, roleArn });
    expect(token.password).toBe(`ecr-password-for-${tempAccessKeyIdForRole(roleArn)}`);
    expect(aws.calls.map((c) => `${c.service}:${c.action}:${c.region}`)).toEqual(['sts:AssumeRole:us-east-1', 'ecr-public:GetAuthorizationToken:us-east-1']);
  });

  it('uses the default chain without keys (EKS Pod Identity container credentials)', async () => {
    aws.setContainerCredentials({ accessKeyId: 'ASIAPODIDENTITY', secretAccessKey: 'CANARY-pod', authToken: 'pod-auth' });
    const undo = withEnv(aws.containerEnv());
    try {
      expect((await fetchToken({ provider: 'ecr-public' })).password).toBe('ecr-password-for-ASIAPODIDENTITY');
    } finally {
      undo();
    }
  });

  it('maps an AWS error to its code and message, without the secret key', async () => {
    aws.rejectAccessKey('AKIAPUBLIC');
    const message = await failure({ provider: 'ecr-public', keys });
    expect(message).toBe('ECR Public GetAuthorizationToken (us-east-1): UnrecognizedClientException (HTTP 400): The security token included in the request is invalid.');
  });
});

describe('private ECR without keys: the default chain', () => {
  it('uses web identity (IRSA: AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE)', async () => {
    const roleArn = 'arn:aws:iam::123456789012:role/irsa-pull';
    // A past server clock would make the SDK see the role credentials as expired and fetch them twice.
    aws.setNow(() => new Date());
    aws.allowWebIdentity(roleArn, 'projected-sa-token');
    const file = join(mkdtempSync(join(tmpdir(), 'imps-krm-irsa-')), 'token');
    writeFileSync(file, 'projected-sa-token');
    const undo = withEnv({ AWS_ROLE_ARN: roleArn, AWS_WEB_IDENTITY_TOKEN_FILE: file });
    try {
      const token = await fetchToken({ provider: 'ecr', region: 'eu-central-1' });
      expect(token.password).toBe(`ecr-password-for-${tempAccessKeyIdForRole(roleArn)}`);
    } finally {
      undo();
    }
    expect(aws.calls.map((c) => `${c.service}:${c.action}`)).toEqual(['sts:AssumeRoleWithWebIdentity', 'ecr:GetAuthorizationToken']);
    expect(aws.calls[1]).toMatchObject({ region: 'eu-central-1' });
  });

  it('reports a rejected web identity token by its STS code', async () => {
    const roleArn = 'arn:aws:iam::123456789012:role/irsa-pull';
    aws.allowWebIdentity(roleArn, 'another-token');
    const file = join(mkdtempSync(join(tmpdir(), 'imps-krm-irsa-')), 'token');
    writeFileSync(file, 'CANARY-stale-token');
    const undo = withEnv({ AWS_ROLE_ARN: roleArn, AWS_WEB_IDENTITY_TOKEN_FILE: file });
    try {
      const message = await failure({ provider: 'ecr', region: 'eu-central-1' });
      expect(message).toMatch(/^ECR GetAuthorizationToken \(eu-central-1\): InvalidIdentityTokenException/);
      expect(message).not.toContain('CANARY');
    } finally {
      undo();
    }
  });

  it('uses EKS Pod Identity (AWS_CONTAINER_CREDENTIALS_FULL_URI + authorization token)', async () => {
    aws.setContainerCredentials({ accessKeyId: 'ASIAPODIDENTITY', secretAccessKey: 'CANARY-pod', authToken: 'pod-auth' });
    const undo = withEnv(aws.containerEnv());
    try {
      expect((await fetchToken({ provider: 'ecr', region: 'us-west-2' })).password).toBe('ecr-password-for-ASIAPODIDENTITY');
    } finally {
      undo();
    }
    expect(aws.calls[0]).toMatchObject({ service: 'container-credentials', params: { authorization: 'pod-auth' } });
  });

  it('says how to give an identity when the chain finds none', async () => {
    expect(await failure({ provider: 'ecr', region: 'us-west-2' })).toMatch(/no AWS credentials: give the source accessKeyID and secretKey, or the process an AWS identity/);
  });
});
