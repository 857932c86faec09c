import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUtf8, firstInvalidUtf8 } from '../../src/core/utf8.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe('decodeUtf8', () => {
  it('decodes UTF-8 and drops a leading byte-order mark', () => {
    expect(decodeUtf8(Buffer.from('pässwörd ✓ 𝄞'))).toEqual({ text: 'pässwörd ✓ 𝄞' });
    expect(decodeUtf8(bytes(0xef, 0xbb, 0xbf, 0x61))).toEqual({ text: 'a' });
  });

  it('refuses what a lenient decoder turns into U+FFFD, at the offset of the first bad byte', () => {
    expect(decodeUtf8(bytes(0x61, 0x62, 0xe9, 0x63))).toEqual({ offset: 2 }); // Latin-1 é
    expect(decodeUtf8(bytes(0x61, 0xc0, 0xaf))).toEqual({ offset: 1 }); // overlong /
    expect(decodeUtf8(bytes(0xed, 0xa0, 0x80))).toEqual({ offset: 0 }); // a UTF-16 surrogate
    expect(decodeUtf8(bytes(0xf4, 0x90, 0x80, 0x80))).toEqual({ offset: 0 }); // above U+10FFFF
    expect(decodeUtf8(bytes(0x61, 0xe2, 0x82))).toEqual({ offset: 1 }); // cut short
    expect(decodeUtf8(bytes(0x80))).toEqual({ offset: 0 }); // a lone continuation byte
  });

  it('agrees with TextDecoder on every byte string, and the offset is where a valid prefix ends', () => {
    const strict = new TextDecoder('utf-8', { fatal: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (input) => {
        let valid = true;
        try {
          strict.decode(input);
        } catch {
          valid = false;
        }
        const result = decodeUtf8(input);
        expect('text' in result).toBe(valid);
        if ('offset' in result) {
          expect(() => strict.decode(input.subarray(0, result.offset))).not.toThrow();
          expect(result.offset).toBeLessThan(input.length);
        }
      }),
      { numRuns: 5000 },
    );
    expect(firstInvalidUtf8(Buffer.from('fine'))).toBe(4);
  });
});
