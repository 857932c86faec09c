import { networkCodeOf, parseRetryAfter, PERMANENT, transientNetworkCode, transientStatus, type Transience } from '../retry-policy.js';

/**
 * `<code>: <message>` from an AWS SDK error. The SDK's messages name the operation and the service's reason;
 * they do not echo credentials (and the render pipeline redacts them anyway).
 */
export function describeAwsError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'CredentialsProviderError') {
    return 'no AWS credentials: give the source accessKeyID and secretKey, or the process an AWS identity (environment, web identity/IRSA, EKS Pod Identity, profile)';
  }
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = error.name && error.name !== 'Error' ? error.name : (networkCodeOf(error) ?? 'Error');
  return `${code}${status ? ` (HTTP ${status})` : ''}: ${error.message}`;
}

/** The service's "slow down" codes, retried whatever the HTTP status (the SDK's THROTTLING_ERROR_CODES). */
const THROTTLING = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

/** Whether an AWS SDK error is worth another attempt (retry-policy.ts), with the service's Retry-After. */
export function awsTransience(error: unknown): Transience {
  if (!(error instanceof Error)) return PERMANENT;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const headers = (error as { $response?: { headers?: Record<string, string | undefined> } }).$response?.headers;
  const retryAfterMs = parseRetryAfter(headers?.['retry-after'] ?? headers?.['Retry-After']);
  if (THROTTLING.has(error.name) || transientStatus(status) || (error as { $retryable?: unknown }).$retryable) return { transient: true, retryAfterMs };
  if (status === undefined && transientNetworkCode(networkCodeOf(error))) return { transient: true };
  return PERMANENT;
}
