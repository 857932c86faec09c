/**
 * A one-line cause from an @azure/identity error. When Entra answered, its OAuth error and AADSTS line say what
 * to fix (`invalid_client: AADSTS700213: No matching federated identity record ...`); MSAL wraps that line in
 * "Error(s): ... - Timestamp: ... - Description: ..." and the SDK's error class name adds nothing. Otherwise the
 * class name and the first line of the message. Neither carries the client secret or the federated token.
 */
export function describeAzureError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const response = (error as { errorResponse?: { error?: unknown; errorDescription?: unknown } }).errorResponse;
  const status = (error as { statusCode?: unknown }).statusCode;
  const statusText = typeof status === 'number' && status > 0 ? ` (HTTP ${status})` : '';
  const description = typeof response?.errorDescription === 'string' ? response.errorDescription : '';
  const aadsts = /AADSTS\d+:[^\r\n]*/.exec(`${description}\n${error.message}`)?.[0].trim();
  const oauthCode = typeof response?.error === 'string' && response.error !== '' ? response.error : /^([a-z_]+): /.exec(error.message)?.[1];
  if (aadsts) return `${oauthCode ? `${oauthCode}: ` : ''}${aadsts}${statusText}`;
  if (oauthCode && description) return `${error.name}${statusText}: ${oauthCode}: ${firstLine(description)}`;
  return `${error.name}${statusText}: ${firstLine(error.message)}`;
}

/** SDK messages run to troubleshooting links over many lines; the first says what failed. */
function firstLine(text: string): string {
  const line = (text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
