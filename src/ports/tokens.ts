import type { RegistryToken, TokenRequest } from '../core/tokens.js';

/**
 * Mints registry tokens. Implementations throw `TokenError` with a message safe to show: the provider's error code
 * and text, never a credential.
 */
export interface TokenProvider {
  fetchToken(request: TokenRequest): Promise<RegistryToken>;
}

export class TokenError extends Error {
  override readonly name = 'TokenError';
}
