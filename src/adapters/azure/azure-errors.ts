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

/** The last HTTP exchange the SDK's client made: a response, or the error that stopped it. */
export type Exchange = { readonly status: number; readonly retryAfter?: string | undefined } | { readonly error: unknown };

/**
 * Whether a failed getToken is worth another attempt (retry-policy.ts), from what the SDK's HTTP client last saw
 * (Entra ID or IMDS answered 429/5xx, or the socket broke): MSAL's errors keep neither the Retry-After header nor
 * the socket's code. Nothing seen (a missing token file, a refused configuration): not transient.
 */
export function transienceOfExchange(exchange: Exchange | undefined): Transience {
  if (!exchange) return PERMANENT;
  if ('error' in exchange) return transientNetworkCode(networkCodeOf(exchange.error)) ? { transient: true } : PERMANENT;
  return transientStatus(exchange.status) ? { transient: true, retryAfterMs: parseRetryAfter(exchange.retryAfter) } : PERMANENT;
}

/** SDK messages run to troubleshooting links over many lines; the first says what failed. */
function firstLine(text: string): string {
  const line = (text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
