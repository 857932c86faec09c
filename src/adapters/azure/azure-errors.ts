import { networkCodeOf, parseRetryAfter, PERMANENT, transientNetworkCode, transientStatus, type Transience } from '../retry-policy.js';

/**
 * A one-line cause from an @azure/identity error. When Entra answered, its OAuth error and AADSTS line say what
 * to fix (`invalid_client: AADSTS700213: No matching federated identity record ...`); MSAL wraps that line in
 * "Error(s): ... - Timestamp: ... - Description: ..." and the SDK's error class name adds nothing. Otherwise the
 * class name and the first line of the message. Neither carries the client secret or the federated token.
 */
export function describeAzureError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const response = (error as { errorResponse?: { error?: unknown; errorDescription?: unknown } }).errorResponse;
  // The error's own status only: the one its causes hold is already in the message MSAL wrote.
  const status = (error as { statusCode?: unknown }).statusCode;
  const statusText = typeof status === 'number' && status > 0 ? ` (HTTP ${status})` : '';
  const description = typeof response?.errorDescription === 'string' ? response.errorDescription : '';
  const aadsts = /AADSTS\d+:[^\r\n]*/.exec(`${description}\n${error.message}`)?.[0].trim();
  const oauthCode = typeof response?.error === 'string' && response.error !== '' ? response.error : /^([a-z_]+): /.exec(error.message)?.[1];
  if (aadsts) return `${oauthCode ? `${oauthCode}: ` : ''}${aadsts}${statusText}`;
  if (oauthCode && description) return `${error.name}${statusText}: ${oauthCode}: ${firstLine(description)}`;
  return `${error.name}${statusText}: ${firstLine(error.message)}`;
}

/** Whether an @azure/identity failure is worth another attempt (retry-policy.ts): Entra or IMDS said 429/5xx, or the socket broke. */
export function azureTransience(error: unknown): Transience {
  const status = statusOf(error);
  if (transientStatus(status)) return { transient: true, retryAfterMs: retryAfterOf(error) };
  if (status === undefined && transientNetworkCode(networkCodeOf(error))) return { transient: true };
  return PERMANENT;
}

/** The HTTP status anywhere along the error's causes (ManagedIdentityCredential wraps MSAL's error, which holds it). */
function statusOf(error: unknown): number | undefined {
  for (let current: unknown = error, depth = 0; typeof current === 'object' && current !== null && depth < 4; current = (current as { cause?: unknown }).cause, depth++) {
    for (const field of ['statusCode', 'status', 'httpStatusCode']) {
      const value = (current as Record<string, unknown>)[field];
      if (typeof value === 'number' && value > 0) return value;
    }
  }
  return undefined;
}

function retryAfterOf(error: unknown): number | undefined {
  for (let current: unknown = error, depth = 0; typeof current === 'object' && current !== null && depth < 4; current = (current as { cause?: unknown }).cause, depth++) {
    const headers = (current as { response?: { headers?: unknown }; headers?: unknown }).response?.headers ?? (current as { headers?: unknown }).headers;
    if (typeof headers === 'object' && headers !== null) {
      const get = (headers as { get?: unknown }).get;
      const value = typeof get === 'function' ? (get as (name: string) => unknown).call(headers, 'retry-after') : (headers as Record<string, unknown>)['retry-after'] ?? (headers as Record<string, unknown>)['Retry-After'];
      if (typeof value === 'string') return parseRetryAfter(value);
    }
  }
  return undefined;
}

/** SDK messages run to troubleshooting links over many lines; the first says what failed. */
function firstLine(text: string): string {
  const line = (text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
