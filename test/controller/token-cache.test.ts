import { describe, expect, it } from 'vitest';
import { DEFAULT_RENEWAL, renewalTime, TokenCache } from '../../src/controller/runtime/token-cache.js';
import type { RegistryToken, TokenRequest } from '../../src/core/tokens.js';
import type { TokenProvider } from '../../src/ports/tokens.js';

const T0 = new Date('2026-11-22T00:00:00Z');
const after = (ms: number): Date => new Date(T0.getTime() + ms);
const MINUTE = 60_000;

describe('renewalTime (half the lifetime, or 30 min before expiry, whichever is earlier)', () => {
  it.each([
    ['ECR / ECR Public, 12 h', 12 * 60 * MINUTE, 6 * 60 * MINUTE],
    ['ACR refresh token, 3 h', 3 * 60 * MINUTE, 90 * MINUTE],
    ['ACR access token, 75 min', 75 * MINUTE, 37.5 * MINUTE],
    ['GAR, 3599 s: the margin is earlier', 3599_000, 1799_000],
    ['exactly the margin', 30 * MINUTE, 15 * MINUTE],
    // Shorter than the margin: the margin would fall before the fetch; the fraction still gives a future time.
    ['GAR cached token, 10 min left', 10 * MINUTE, 5 * MINUTE],
    ['5 min left', 5 * MINUTE, 2.5 * MINUTE],
  ])('%s', (_title, lifetime, renewAfter) => {
    expect(renewalTime(DEFAULT_RENEWAL, T0, after(lifetime))).toEqual(after(renewAfter));
  });

  it('is now for a token that has already expired, and undefined for one that never does', () => {
    expect(renewalTime(DEFAULT_RENEWAL, T0, after(-1000))).toEqual(T0);
    expect(renewalTime(DEFAULT_RENEWAL, T0, undefined)).toBeUndefined();
  });
});

describe('TokenCache with a token shorter than the margin', () => {
  it('serves it until half its lifetime and arms the next renewal in the future', async () => {
    let now = T0;
    const calls: Date[] = [];
    const provider: TokenProvider = {
      fetchToken: async (): Promise<RegistryToken> => {
        calls.push(now);
        return { username: 'oauth2accesstoken', password: `token-${calls.length}`, expiresAt: new Date(now.getTime() + 10 * MINUTE) };
      },
    };
    const cache = new TokenCache(provider, { now: () => now });
    const request: TokenRequest = { provider: 'gar' };
    expect((await cache.fetchToken(request)).password).toBe('token-1');
    expect(cache.nextRenewal()).toEqual(after(5 * MINUTE));
    now = after(5 * MINUTE - 1);
    expect((await cache.fetchToken(request)).password).toBe('token-1');
    now = after(5 * MINUTE);
    expect((await cache.fetchToken(request)).password).toBe('token-2');
    expect(calls).toHaveLength(2);
  });
});

describe('TokenCache.nextRenewal after a failed renewal', () => {
  it('is past when the time came and nobody asked yet, and leaves out a token whose renewal then failed', async () => {
    let now = T0;
    let fail = false;
    const provider: TokenProvider = {
      fetchToken: async (): Promise<RegistryToken> => {
        if (fail) throw new Error('registry down');
        return { username: 'AWS', password: 'token', expiresAt: new Date(now.getTime() + 60 * MINUTE) };
      },
    };
    const cache = new TokenCache(provider, { now: () => now });
    const request: TokenRequest = { provider: 'ecr', region: 'us-east-1', accountId: '123456789012' } as TokenRequest;
    await cache.fetchToken(request);
    now = after(40 * MINUTE);
    // Due (renewal at 30 min): still offered, so a timer armed late fires at once.
    expect(cache.nextRenewal()).toEqual(after(30 * MINUTE));
    fail = true;
    await expect(cache.fetchToken(request)).rejects.toThrow('registry down');
    // The renewal was tried and failed: the old token is kept and its expiry known, but it is due no more.
    expect(cache.expiryOf(request)).toEqual(after(60 * MINUTE));
    expect(cache.renewalOf(request)).toEqual(after(30 * MINUTE));
    expect(cache.nextRenewal()).toBeUndefined();
    fail = false;
    await cache.fetchToken(request);
    expect(cache.nextRenewal()).toEqual(after(70 * MINUTE));
  });
});
