/**
 * A one-line cause from an @azure/identity error: the Entra error code and the first line of its description
 * (AADSTS codes tell an operator what to fix). Neither carries the client secret or the federated token.
 */
export function describeAzureError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const response = (error as { errorResponse?: { error?: unknown; errorDescription?: unknown } }).errorResponse;
  const status = (error as { statusCode?: unknown }).statusCode;
  const statusText = typeof status === 'number' && status > 0 ? ` (HTTP ${status})` : '';
  if (response && typeof response.error === 'string' && response.error !== '') {
    const description = typeof response.errorDescription === 'string' ? firstLine(response.errorDescription) : '';
    return `${error.name}${statusText}: ${response.error}${description ? `: ${description}` : ''}`;
  }
  return `${error.name}${statusText}: ${firstLine(error.message)}`;
}

/** SDK messages run to troubleshooting links over many lines; the first says what failed. */
function firstLine(text: string): string {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line.trim();
}
