// Child-process entry for provider tests that need NODE_EXTRA_CA_CERTS (read by Node only at start-up):
// fetches one token for the request in IMPS_KRM_TEST_REQUEST and prints `{"token":...}` or `{"error":"..."}`.
import { cloudTokenProvider } from '../../src/adapters/cloud-token-provider.js';
import type { TokenRequest } from '../../src/core/tokens.js';

const request = JSON.parse(process.env['IMPS_KRM_TEST_REQUEST'] ?? '{}') as TokenRequest;
try {
  const token = await cloudTokenProvider().fetchToken(request);
  process.stdout.write(JSON.stringify({ token: { ...token, expiresAt: token.expiresAt?.toISOString() } }));
} catch (error) {
  process.stdout.write(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
}
