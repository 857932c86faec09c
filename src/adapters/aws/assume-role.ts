import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsKeys } from '../../core/tokens.js';
import { TokenError } from '../../ports/tokens.js';
import { describeAwsError } from './aws-errors.js';

export interface AwsCredentialIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
  readonly expiration?: Date | undefined;
}

/** Bounded so a black-holed endpoint fails a render in seconds, well inside Argo CD's 60 s. */
export const requestHandler = { connectionTimeout: 5_000, requestTimeout: 15_000 };

/** The AWS settings a provider takes from its input rather than from the process. */
export type AwsEnv = Readonly<Record<string, string | undefined>>;

/**
 * The endpoint override the SDK documents (AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL), read from `env` and
 * handed to the client, so a provider is configured by its input. Unset: the SDK resolves it (profiles, defaults).
 */
export function endpointOf(env: AwsEnv, service: 'ECR' | 'ECR_PUBLIC' | 'STS'): { endpoint: string } | Record<string, never> {
  if (env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] === 'true') return {};
  const endpoint = env[`AWS_ENDPOINT_URL_${service}`] || env['AWS_ENDPOINT_URL'];
  return endpoint ? { endpoint } : {};
}

/** Static keys as the SDK takes them; undefined lets the SDK use its default chain. */
export function staticCredentials(keys: AwsKeys | undefined): AwsCredentialIdentity | undefined {
  return (
    keys && {
      accessKeyId: keys.accessKeyId,
      secretAccessKey: keys.secretAccessKey,
      ...(keys.sessionToken ? { sessionToken: keys.sessionToken } : {}),
    }
  );
}

/** STS AssumeRole on top of the given (or default-chain) credentials, for 15 minutes: just long enough to mint. */
export async function assumeRole(
  roleArn: string,
  region: string,
  base: AwsCredentialIdentity | undefined,
  env: AwsEnv,
): Promise<AwsCredentialIdentity> {
  const sts = new STSClient({ region, requestHandler, ...endpointOf(env, 'STS'), ...(base ? { credentials: base } : {}) });
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

/** ECR tokens are base64 `AWS:<password>`. */
export function decodeAuthorizationToken(token: string, operation: string): { username: string; password: string } {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new TokenError(`${operation} returned a token that is not user:password`);
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
