// Strict UTF-8: a password with a stray Latin-1 byte must fail, not become U+FFFD and a login that never works.

const strict = new TextDecoder('utf-8', { fatal: true });

/** The text, or the offset of the first byte that is not UTF-8. A leading byte-order mark is dropped. */
export function decodeUtf8(bytes: Uint8Array): { readonly text: string } | { readonly offset: number } {
  try {
    return { text: strict.decode(bytes) };
  } catch {
    return { offset: firstInvalidUtf8(bytes) };
  }
}

/**
 * Where decoding fails (RFC 3629 well-formed sequences: no overlong forms, no surrogates, nothing above U+10FFFF);
 * `bytes.length` when it does not. Only called after TextDecoder refused, to say where.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    // [length, lowest valid second byte, highest valid second byte]
    const shape: readonly [number, number, number] | undefined =
      lead >= 0xc2 && lead <= 0xdf ? [2, 0x80, 0xbf]
      : lead === 0xe0 ? [3, 0xa0, 0xbf]
      : lead === 0xed ? [3, 0x80, 0x9f]
      : lead >= 0xe1 && lead <= 0xef ? [3, 0x80, 0xbf]
      : lead === 0xf0 ? [4, 0x90, 0xbf]
      : lead === 0xf4 ? [4, 0x80, 0x8f]
      : lead >= 0xf1 && lead <= 0xf3 ? [4, 0x80, 0xbf]
      : undefined;
    if (!shape) return i;
    const [length, low, high] = shape;
    const second = bytes[i + 1];
    if (second === undefined || second < low || second > high) return i;
    for (let k = 2; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < 0x80 || next > 0xbf) return i;
    }
    i += length;
  }
  return bytes.length;
}
