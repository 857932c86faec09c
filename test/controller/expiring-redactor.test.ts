import { describe, expect, it } from 'vitest';
import { ExpiringRedactor } from '../../src/controller/runtime/expiring-redactor.js';

describe('ExpiringRedactor', () => {
  it('blanks values and their base64, and forgets values not remembered again', () => {
    let now = 0;
    const redactor = new ExpiringRedactor({ now: () => new Date(now) });
    redactor.remember('old-token-value', 'static-key-value');
    now = 1000;
    redactor.remember('static-key-value');
    expect(redactor.redact(`a old-token-value b ${Buffer.from('static-key-value').toString('base64')}`)).toBe('a [redacted] b [redacted]');
    redactor.forgetOlderThan(new Date(500));
    expect(redactor.redact('old-token-value static-key-value')).toBe('old-token-value [redacted]');
    expect(redactor.size).toBe(2);
  });
});
