import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { EcrTokenRequest, RegistryToken } from '../../core/tokens.js';
import { TokenError } from '../../ports/tokens.js';
import { describeAwsError } from './aws-errors.js';

interface AwsCredentialIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
  readonly expiration?: Date | undefined;
}

/** Bounded so a black-holed endpoint fails a render in seconds, well inside Argo CD's 60 s. */
const requestHandler = { connectionTimeout: 5_000, requestTimeout: 15_000 };

/**
 * Private ECR tokens through the AWS SDK. Endpoints come only from the SDK's own settings
 * (`AWS_ENDPOINT_URL_ECR`, `AWS_ENDPOINT_URL_STS`, profiles), so users and tests use the same knob.
 */
export async function fetchEcrToken(request: EcrTokenRequest): Promise<RegistryToken> {
  const base: AwsCredentialIdentity | undefined = request.keys && {
    accessKeyId: request.keys.accessKeyId,
    secretAccessKey: request.keys.secretAccessKey,
    ...(request.keys.sessionToken ? { sessionToken: request.keys.sessionToken } : {}),
  };
  const credentials = request.roleArn ? await assumeRole(request.roleArn, request.region, base) : base;
  const ecr = new ECRClient({ region: request.region, requestHandler, ...(credentials ? { credentials } : {}) });
  try {
    const response = await ecr.send(new GetAuthorizationTokenCommand({}));
    const data = response.authorizationData?.[0];
    if (!data?.authorizationToken) throw new TokenError('ECR GetAuthorizationToken returned no token');
    const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new TokenError('ECR GetAuthorizationToken returned a token that is not user:password');
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), expiresAt: data.expiresAt };
  } catch (error) {
    throw error instanceof TokenError ? error : new TokenError(`ECR GetAuthorizationToken (${request.region}): ${describeAwsError(error)}`);
  } finally {
    ecr.destroy();
  }
}

async function assumeRole(
  roleArn: string,
  region: string,
  base: AwsCredentialIdentity | undefined,
): Promise<AwsCredentialIdentity> {
  const sts = new STSClient({ region, requestHandler, ...(base ? { credentials: base } : {}) });
  try {
    const response = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'imps-krm', DurationSeconds: 900 }),
    );
    const c = response.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new TokenError(`STS AssumeRole ${roleArn} returned no credentials`);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  } catch (error) {
    throw error instanceof TokenError ? error : new TokenError(`STS AssumeRole ${roleArn}: ${describeAwsError(error)}`);
  } finally {
    sts.destroy();
  }
}
