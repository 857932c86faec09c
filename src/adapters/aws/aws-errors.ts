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
  const code = error.name && error.name !== 'Error' ? error.name : 'Error';
  return `${code}${status ? ` (HTTP ${status})` : ''}: ${error.message}`;
}
