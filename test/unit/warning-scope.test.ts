// Process warnings emitted while a token provider runs are held for that call (src/io/warning-scope.ts): folded
// into its problem when it fails, handed back when it succeeds; calls running side by side keep theirs apart.
import { describe, expect, it } from 'vitest';
import { foldWarnings, releaseWarningsTo, withWarningScope, type HeldWarning } from '../../src/io/warning-scope.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('warning scope', () => {
  it('holds what a failing call emits, for its problem line, one line per distinct warning', async () => {
    const result = await withWarningScope(async () => {
      process.emitWarning('lookup failed\nsecond line', 'MetadataLookupWarning');
      await tick();
      process.emitWarning('lookup failed\nsecond line', 'MetadataLookupWarning');
      process.emitWarning('old', { type: 'DeprecationWarning', code: 'DEP0001' });
      throw new Error('no token');
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(foldWarnings(result.warnings)).toBe('MetadataLookupWarning: lookup failed second line; DeprecationWarning [DEP0001]: old');
  });

  it('keeps the warnings of parallel calls apart, and hands a successful call\'s back', async () => {
    const released: HeldWarning[] = [];
    const undo = releaseWarningsTo((warning) => released.push(warning));
    try {
      const [failed, succeeded] = await Promise.all([
        withWarningScope(async () => {
          await tick();
          process.emitWarning('from the failing call', 'AWarning');
          throw new Error('failed');
        }),
        withWarningScope(async () => {
          process.emitWarning('from the working call', 'BWarning');
          await tick();
          return 'token';
        }),
      ]);
      expect(failed.ok ? [] : failed.warnings.map((w) => w.message)).toEqual(['from the failing call']);
      expect(succeeded).toEqual({ ok: true, value: 'token' });
      expect(released.map((w) => `${w.type}: ${w.message}`)).toEqual(['BWarning: from the working call']);
    } finally {
      undo();
    }
  });
});
