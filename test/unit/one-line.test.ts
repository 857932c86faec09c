import { describe, expect, it } from 'vitest';
import { oneLine } from '../../src/core/text.js';

describe('oneLine: text from the input, made safe for one stderr line', () => {
  it('escapes control characters, DEL, C1 and the Unicode line separators; keeps tab and printable text', () => {
    expect(oneLine('a\nb\r\u001b[2K\u0000\u007f\u0085\u2028\u2029')).toBe('a\\u000ab\\u000d\\u001b[2K\\u0000\\u007f\\u0085\\u2028\\u2029');
    expect(oneLine('tab\there é 日本 👍')).toBe('tab\there é 日本 👍');
  });

  it('runs in linear time on a long input', () => {
    const started = performance.now();
    expect(oneLine('\n'.repeat(1_000_000))).toHaveLength(6_000_000);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
