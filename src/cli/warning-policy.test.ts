import { describe, expect, it } from 'vitest';
import { installWarningPolicy, type EmittedWarning, type Fold } from './warning-policy.js';

/** A stand-in process: records what reaches Node's emitWarning. */
function fakeProcess() {
  const reachedNode: unknown[][] = [];
  const target = { emitWarning: ((...args: unknown[]) => void reachedNode.push(args)) as typeof process.emitWarning };
  return { target, reachedNode };
}

describe('warning policy', () => {
  const seen: EmittedWarning[] = [];
  const fold: Fold = (warning) => {
    seen.push(warning);
    return warning.type === 'MetadataLookupWarning' ? `imps-krm: warning: metadata server: ${warning.message}` : undefined;
  };

  it('folds a known warning into one line of ours, once, and hands every other warning to Node unchanged', () => {
    const { target, reachedNode } = fakeProcess();
    const lines: string[] = [];
    const restore = installWarningPolicy([fold], (line) => lines.push(line), target);
    target.emitWarning('lookup failed', 'MetadataLookupWarning');
    target.emitWarning('lookup failed', 'MetadataLookupWarning');
    target.emitWarning('old API', { type: 'DeprecationWarning', code: 'DEP0001' });
    const error = Object.assign(new Error('fetch is experimental'), { name: 'ExperimentalWarning' });
    target.emitWarning(error);
    expect(lines).toEqual(['imps-krm: warning: metadata server: lookup failed\n']);
    expect(reachedNode).toEqual([['old API', { type: 'DeprecationWarning', code: 'DEP0001' }], [error]]);
    expect(seen.slice(-2)).toEqual([
      { type: 'DeprecationWarning', code: 'DEP0001', message: 'old API' },
      { type: 'ExperimentalWarning', code: undefined, message: 'fetch is experimental' },
    ]);
    restore();
    target.emitWarning('after restore', 'MetadataLookupWarning');
    expect(reachedNode.at(-1)).toEqual(['after restore', 'MetadataLookupWarning']);
  });

  it('reads type and code from every emitWarning signature', () => {
    const { target } = fakeProcess();
    const got: EmittedWarning[] = [];
    installWarningPolicy([(warning) => void got.push(warning) as undefined], () => {}, target);
    target.emitWarning('a');
    target.emitWarning('b', 'CustomWarning', 'C1');
    target.emitWarning('c', { type: 'CustomWarning' });
    target.emitWarning(Object.assign(new Error('d'), { name: 'CustomWarning', code: 'C2' }));
    expect(got).toEqual([
      { type: 'Warning', code: undefined, message: 'a' },
      { type: 'CustomWarning', code: 'C1', message: 'b' },
      { type: 'CustomWarning', code: undefined, message: 'c' },
      { type: 'CustomWarning', code: 'C2', message: 'd' },
    ]);
  });
});
