import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import type { EcrTokenRequest, RegistryToken } from '../../core/tokens.js';
import { TokenError } from '../../ports/tokens.js';
import { retryNote, withRetries } from '../retry-policy.js';
import { assumeRole, decodeAuthorizationToken, staticCredentials } from './assume-role.js';
import { ambientAwsCredentials, awsClientConfig, endpointOf, type AwsEnv } from './aws-clients.js';
import { awsTransience, describeAwsError } from './aws-errors.js';

/**
 * Private ECR tokens through the AWS SDK. Endpoints come only from the SDK's documented settings
 * (`AWS_ENDPOINT_URL_ECR`, `AWS_ENDPOINT_URL_STS` in `env`, profiles), so users and tests use the same knob.
 * Without keys, the process's identity, shared with every other AWS source of the process (aws-clients.ts).
 */
export async function fetchEcrToken(request: EcrTokenRequest, env: AwsEnv = process.env): Promise<RegistryToken> {
  const base = staticCredentials(request.keys) ?? ambientAwsCredentials(env);
  const credentials = request.roleArn ? await assumeRole(request.roleArn, request.region, base, env) : base;
  const ecr = new ECRClient({ region: request.region, ...awsClientConfig(env), ...endpointOf(env, 'ECR'), credentials });
  try {
    const response = await withRetries(() => ecr.send(new GetAuthorizationTokenCommand({})), awsTransience);
    const data = response.authorizationData?.[0];
    if (!data?.authorizationToken) throw new TokenError('ECR GetAuthorizationToken returned no token');
    return { ...decodeAuthorizationToken(data.authorizationToken, 'ECR GetAuthorizationToken'), expiresAt: data.expiresAt };
  } catch (error) {
    throw error instanceof TokenError ? error : new TokenError(`ECR GetAuthorizationToken (${request.region}): ${describeAwsError(error)}${retryNote(error)}`);
  } finally {
    ecr.destroy();
  }
}
