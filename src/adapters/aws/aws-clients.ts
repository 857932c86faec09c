// What every AWS SDK client of imps-krm is built with, and the process's own AWS identity shared by all of them.
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { ambientIdentities } from '../ambient-identities.js';
import { httpsAgentFromEnv } from '../https-proxy.js';
import { proxyEnvOf } from '../proxy-env.js';
import { withRetries } from '../retry-policy.js';
import { awsTransience } from './aws-errors.js';

/** The AWS settings a provider takes from its input rather than from the process. */
export type AwsEnv = Readonly<Record<string, string | undefined>>;

export interface AwsCredentialIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
  readonly expiration?: Date | undefined;
}

/** What an SDK client takes as `credentials` when they are fetched on demand. */
export type AwsCredentialProvider = (properties?: Record<string, unknown>) => Promise<AwsCredentialIdentity>;

/** Bounded so a black-holed endpoint fails a render in seconds, well inside Argo CD's 60 s. */
const TIMEOUTS = { connectionTimeout: 5_000, requestTimeout: 15_000 };

/**
 * The SDK writes some warnings with console.warn (two credential sources set, an unreadable reply): as process
 * warnings they are held for the failing source's problem line (src/io/warning-scope.ts) instead of reaching stderr
 * as lines of their own.
 */
const sdkLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (...content: unknown[]) => process.emitWarning(content.map(String).join(' '), 'AwsSdkWarning'),
  error: () => undefined,
};

/**
 * Client settings: timeouts, the operator's HTTPS_PROXY (the SDK reads none itself), the SDK's logger, and ONE
 * attempt per call: retries are imps-krm's policy (retry-policy.ts), the same for every provider.
 */
export function awsClientConfig(env: AwsEnv) {
  const httpsAgent = httpsAgentFromEnv(env);
  return { requestHandler: { ...TIMEOUTS, ...(httpsAgent ? { httpsAgent } : {}) }, maxAttempts: 1, logger: sdkLogger };
}

/**
 * The endpoint override the SDK documents (AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL), read from `env` and
 * handed to the client, so a provider is configured by its input. Unset: the SDK resolves it (profiles, defaults).
 */
export function endpointOf(env: AwsEnv, service: 'ECR' | 'ECR_PUBLIC' | 'STS'): { endpoint: string } | Record<string, never> {
  if (env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] === 'true') return {};
  const endpoint = env[`AWS_ENDPOINT_URL_${service}`] || env['AWS_ENDPOINT_URL'];
  return endpoint ? { endpoint } : {};
}

/** The process settings that pick the default chain's identity (some are secrets: the cache hashes its keys). */
const CHAIN_SETTINGS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT',
];

/**
 * The process's AWS identity (IRSA web identity, EKS Pod Identity, environment keys, profiles, instance role): the
 * SDK's default chain, run once and shared by every client and region until 5 minutes before the credentials
 * expire (ambient-identities.ts). Each SDK client would otherwise run the chain again: with IRSA, one
 * AssumeRoleWithWebIdentity per client (issue 9). The chain's own retries are off (`maxRetries: 0` for the
 * container endpoint, one attempt for the web identity STS call); the retry policy runs the whole chain instead.
 */
export function ambientAwsCredentials(env: AwsEnv): AwsCredentialProvider {
  const key = ['aws-default-chain', ...CHAIN_SETTINGS.map((name) => process.env[name] ?? null), endpointOf(env, 'STS'), proxyEnvOf(env)];
  return (properties) =>
    ambientIdentities.get(key, async () => {
      const chain = defaultProvider({ maxRetries: 0, timeout: 5_000, logger: sdkLogger, clientConfig: { ...awsClientConfig(env), ...endpointOf(env, 'STS') } });
      const credentials: AwsCredentialIdentity = await withRetries(() => chain(properties), awsTransience);
      return { value: credentials, expiresAt: credentials.expiration };
    });
}
