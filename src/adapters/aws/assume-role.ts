import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsKeys } from '../../core/tokens.js';
import { TokenError } from '../../ports/tokens.js';
import { retryNote, withRetries } from '../retry-policy.js';
import { awsClientConfig, endpointOf, type AwsCredentialIdentity, type AwsCredentialProvider, type AwsEnv } from './aws-clients.js';
import { awsTransience, describeAwsError } from './aws-errors.js';

/** Static keys as the SDK takes them; undefined when the source has none (the process's identity is used). */
export function staticCredentials(keys: AwsKeys | undefined): AwsCredentialIdentity | undefined {
  return (
    keys && {
      accessKeyId: keys.accessKeyId,
      secretAccessKey: keys.secretAccessKey,
      ...(keys.sessionToken ? { sessionToken: keys.sessionToken } : {}),
    }
  );
}

/** STS AssumeRole on top of the given credentials (keys, or the process's identity), for 15 minutes: just long enough to mint. */
export async function assumeRole(
  roleArn: string,
  region: string,
  base: AwsCredentialIdentity | AwsCredentialProvider,
  env: AwsEnv,
): Promise<AwsCredentialIdentity> {
  const sts = new STSClient({ region, ...awsClientConfig(env), ...endpointOf(env, 'STS'), credentials: base });
  try {
    const response = await withRetries(
      () => sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'imps-krm', DurationSeconds: 900 })),
      awsTransience,
    );
    const c = response.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new TokenError(`STS AssumeRole ${roleArn} returned no credentials`);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  } catch (error) {
    throw error instanceof TokenError ? error : new TokenError(`STS AssumeRole ${roleArn}: ${describeAwsError(error)}${retryNote(error)}`);
  } finally {
    sts.destroy();
  }
}

/** ECR tokens are base64 `AWS:<password>`. */
export function decodeAuthorizationToken(token: string, operation: string): { username: string; password: string } {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new TokenError(`${operation} returned a token that is not user:password`);
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
