import { ECRPUBLICClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr-public';
import { ECR_PUBLIC_REGION, type EcrPublicTokenRequest, type RegistryToken } from '../../core/tokens.js';
import { TokenError } from '../../ports/tokens.js';
import { retryNote, withRetries } from '../retry-policy.js';
import { assumeRole, decodeAuthorizationToken, staticCredentials } from './assume-role.js';
import { ambientAwsCredentials, awsClientConfig, endpointOf, type AwsEnv } from './aws-clients.js';
import { awsTransience, describeAwsError } from './aws-errors.js';

/**
 * ECR Public tokens (`public.ecr.aws`). The API answers only in us-east-1, whatever region the process runs in, so
 * the region is fixed here rather than taken from AWS_REGION. Endpoint override: `AWS_ENDPOINT_URL_ECR_PUBLIC`.
 */
export async function fetchEcrPublicToken(request: EcrPublicTokenRequest, env: AwsEnv = process.env): Promise<RegistryToken> {
  const base = staticCredentials(request.keys) ?? ambientAwsCredentials(env);
  const credentials = request.roleArn ? await assumeRole(request.roleArn, ECR_PUBLIC_REGION, base, env) : base;
  const client = new ECRPUBLICClient({ region: ECR_PUBLIC_REGION, ...awsClientConfig(env), ...endpointOf(env, 'ECR_PUBLIC'), credentials });
  try {
    const response = await withRetries(() => client.send(new GetAuthorizationTokenCommand({})), awsTransience);
    // Unlike private ECR, authorizationData is one object, not a list.
    const data = response.authorizationData;
    if (!data?.authorizationToken) throw new TokenError('ECR Public GetAuthorizationToken returned no token');
    return { ...decodeAuthorizationToken(data.authorizationToken, 'ECR Public GetAuthorizationToken'), expiresAt: data.expiresAt };
  } catch (error) {
    throw error instanceof TokenError ? error : new TokenError(`ECR Public GetAuthorizationToken (us-east-1): ${describeAwsError(error)}${retryNote(error)}`);
  } finally {
    client.destroy();
  }
}
