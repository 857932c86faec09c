// The process's own identities are fetched once and shared until 5 minutes before they expire
// (src/adapters/ambient-identities.ts), on a simulated clock.
import { describe, expect, it } from 'vitest';
import { AmbientIdentityCache, refreshAt } from '../../src/adapters/ambient-identities.js';

const MINUTE = 60_000;

describe('ambient identity cache', () => {
  it('renews 5 minutes before expiry, or half-way for identities living under 10 minutes; never without an expiry', () => {
    expect(refreshAt(0, new Date(60 * MINUTE))).toBe(55 * MINUTE);
    expect(refreshAt(0, new Date(6 * MINUTE))).toBe(3 * MINUTE);
    expect(refreshAt(10 * MINUTE, new Date(5 * MINUTE))).toBe(5 * MINUTE);
    expect(refreshAt(0, undefined)).toBeUndefined();
  });

  it('fetches once for concurrent and later callers until the refresh point, then once again', async () => {
    let now = 0;
    let fetches = 0;
    const cache = new AmbientIdentityCache(() => now);
    const fetch = async () => ({ value: `identity-${++fetches}`, expiresAt: new Date(now + 60 * MINUTE) });
    expect(await Promise.all([cache.get(['aws'], fetch), cache.get(['aws'], fetch)])).toEqual(['identity-1', 'identity-1']);
    now = 55 * MINUTE - 1;
    expect(await cache.get(['aws'], fetch)).toBe('identity-1');
    now = 55 * MINUTE;
    expect(await cache.get(['aws'], fetch)).toBe('identity-2');
    expect(fetches).toBe(2);
  });

  it('keeps identities apart by key, keeps no failure, and forgets on demand', async () => {
    const cache = new AmbientIdentityCache(() => 0);
    let fail = true;
    const flaky = async () => {
      if (fail) throw new Error('agent down');
      return { value: 'ok', expiresAt: undefined };
    };
    await expect(cache.get(['pod-identity'], flaky)).rejects.toThrow('agent down');
    fail = false;
    expect(await cache.get(['pod-identity'], flaky)).toBe('ok');
    expect(await cache.get(['other'], async () => ({ value: 'other' }))).toBe('other');
    cache.forget();
    expect(await cache.get(['pod-identity'], async () => ({ value: 'again' }))).toBe('again');
  });
});
