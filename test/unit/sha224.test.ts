import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base36, sha224 } from '../../src/core/sha224.js';

describe('sha224 (pure, for msi-acrpull Secret names)', () => {
  it('matches node:crypto on the FIPS examples and on block boundaries', () => {
    for (const text of ['', 'abc', 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(64), 'a'.repeat(300)]) {
      const bytes = Buffer.from(text, 'utf8');
      expect(Buffer.from(sha224(bytes)).toString('hex')).toBe(createHash('sha224').update(bytes).digest('hex'));
    }
  });

  it('matches node:crypto on any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(Buffer.from(sha224(bytes)).toString('hex')).toBe(createHash('sha224').update(bytes).digest('hex'));
      }),
    );
  });

  it('base36 writes the digest as Go big.Int Text(36) does (no leading zeros, lower case)', () => {
    expect(base36(new Uint8Array([0, 0, 35]))).toBe('z');
    expect(base36(new Uint8Array([1, 0]))).toBe((256).toString(36));
    expect(base36(new Uint8Array([]))).toBe('0');
  });
});
