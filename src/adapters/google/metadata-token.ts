// The Google metadata server's access token for the process's service account (GKE workload identity, GCE), asked
// by imps-krm itself rather than through google-auth-library. The library first pings the server to decide whether
// it runs on GCE, prints a MetadataLookupWarning of several lines when the ping fails oddly, then reports only "Could
// not load the default credentials" (issue 9); it also retries the token request on its own schedule. Here one
// request says what failed, and the retry policy is retry-policy.ts's like every other provider's.
// The request is gcp-metadata's (src/index.ts: getBaseUrl, HEADERS; read, not copied): the address from
// GCE_METADATA_IP, then GCE_METADATA_HOST, else 169.254.169.254; header Metadata-Flavor: Google, which the reply
// carries too. Never through a proxy: the server is link-local.
import { request } from 'node:http';
import { TokenError } from '../../ports/tokens.js';
import { networkCodeOf, parseRetryAfter, PERMANENT, retryNote, transientNetworkCode, transientStatus, withRetries, type Transience } from '../retry-policy.js';

const TOKEN_PATH = '/computeMetadata/v1/instance/service-accounts/default/token';
const TIMEOUT_MS = 10_000;

export interface MetadataToken {
  readonly token: string;
  readonly expiresAt: Date;
}

class MetadataError extends TokenError {
  constructor(
    message: string,
    readonly transience: Transience,
  ) {
    super(message);
  }
}

/** `http://host[:port]` of the metadata server, as gcp-metadata finds it. */
export function metadataBaseUrl(env: Readonly<Record<string, string | undefined>>): URL {
  const address = env['GCE_METADATA_IP'] || env['GCE_METADATA_HOST'] || '169.254.169.254';
  return new URL(/^https?:\/\//.test(address) ? address : `http://${address}`);
}

export async function fetchMetadataToken(scope: string, env: Readonly<Record<string, string | undefined>>, now: () => number = Date.now): Promise<MetadataToken> {
  const url = new URL(TOKEN_PATH, metadataBaseUrl(env));
  url.searchParams.set('scopes', scope);
  const where = `metadata server ${url.host}`;
  return withRetries(
    async () => {
      const reply = await get(url).catch((error: unknown) => {
        const code = networkCodeOf(error);
        throw new MetadataError(`${where}: ${unreachable(error, code)}`, transientNetworkCode(code) ? { transient: true } : PERMANENT);
      });
      if (reply.status !== 200) {
        const transience: Transience = transientStatus(reply.status) ? { transient: true, retryAfterMs: parseRetryAfter(reply.retryAfter) } : PERMANENT;
        const body = firstLine(reply.body);
        throw new MetadataError(`${where}: HTTP ${reply.status}${body ? `: ${body}` : ''}`, transience);
      }
      if (reply.flavor !== 'Google') throw new MetadataError(`${where}: the reply lacks Metadata-Flavor: Google, so it is not a metadata server`, PERMANENT);
      const parsed = parse(reply.body);
      if (!parsed) throw new MetadataError(`${where}: the reply is not a token (access_token, expires_in)`, PERMANENT);
      return { token: parsed.token, expiresAt: new Date(now() + parsed.expiresIn * 1000) };
    },
    (error) => (error instanceof MetadataError ? error.transience : PERMANENT),
  ).catch((error: unknown) => {
    throw new TokenError(`${error instanceof Error ? error.message : String(error)}${retryNote(error)}`);
  });
}

function unreachable(error: unknown, code: string | undefined): string {
  const how = code === 'ETIMEDOUT' || (error instanceof Error && error.name === 'TimeoutError') ? `no answer within ${TIMEOUT_MS / 1000} s` : (code ?? (error instanceof Error ? error.message : String(error)));
  // Refused or unreachable: most often not on GCE/GKE at all.
  if (code && ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EHOSTDOWN'].includes(code)) {
    return `${how} (not on GCE or GKE? give the source a serviceAccountKey, or the process GOOGLE_APPLICATION_CREDENTIALS)`;
  }
  return how;
}

function parse(body: string): { token: string; expiresIn: number } | undefined {
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value !== 'object' || value === null) return undefined;
    const { access_token: token, expires_in: expiresIn } = value as { access_token?: unknown; expires_in?: unknown };
    return typeof token === 'string' && token !== '' && typeof expiresIn === 'number' && Number.isFinite(expiresIn) ? { token, expiresIn } : undefined;
  } catch {
    return undefined;
  }
}

/** The server's own words, on one line and short (it is the operator's infrastructure, not input). */
function firstLine(text: string): string {
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '') ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function get(url: URL): Promise<{ status: number; flavor: string | undefined; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    // agent: false: a connection of its own, never a proxy agent or a pooled socket of another host.
    const req = request(url, { headers: { 'Metadata-Flavor': 'Google' }, timeout: TIMEOUT_MS, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > 64 * 1024) req.destroy(Object.assign(new Error('reply larger than 64 KiB'), { code: 'EREPLYTOOLARGE' }));
        else chunks.push(chunk);
      });
      response.on('end', () => {
        const header = (name: string): string | undefined => {
          const value = response.headers[name];
          return Array.isArray(value) ? value[0] : value;
        };
        resolve({ status: response.statusCode ?? 0, flavor: header('metadata-flavor'), retryAfter: header('retry-after'), body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${TIMEOUT_MS / 1000} s`), { name: 'TimeoutError' })));
    req.on('error', reject);
    req.end();
  });
}
