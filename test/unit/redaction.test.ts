import { describe, expect, it } from 'vitest';
import { runRenderPipeline } from '../../src/app/render-pipeline.js';
import { inputCluster } from '../../src/adapters/input-cluster.js';
import { Redactor } from '../../src/core/redaction.js';
import { ecrSource, imagePullSecret, secretObject } from '../support/builders.js';
import { TokenError } from '../../src/ports/tokens.js';

describe('Redactor', () => {
  it('blanks remembered values and their base64 form, longest first', () => {
    const redactor = new Redactor();
    redactor.remember('hunter22', 'hunter2234', undefined, 'ab');
    expect(redactor.redact('a hunter2234 b hunter22 c aHVudGVyMjI= ab')).toBe('a [redacted] b [redacted] c [redacted] ab');
  });
});

describe('render pipeline', () => {
  it('redacts credentials that a token provider echoes back in its error', async () => {
    const imps = imagePullSecret('canary', { credentials: ['src/ecr'], namespaces: ['app'] });
    const keys = { accessKeyID: 'AKIACANARY', secretKey: 'CANARY-SECRET-KEY', sessionToken: 'CANARY-SESSION', accountID: '111111111111' };
    const cluster = inputCluster([secretObject('src/ecr', ecrSource(keys))], ['app']);
    const tokens = {
      fetchToken: async (): Promise<never> => {
        throw new TokenError('signature mismatch for CANARY-SECRET-KEY with CANARY-SESSION');
      },
    };
    const result = await runRenderPipeline([{ imps }], { cluster, tokens });
    expect(result.outcomes[0]!.secrets).toEqual([]);
    const text = JSON.stringify(result);
    expect(text).not.toContain('CANARY-SECRET-KEY');
    expect(text).not.toContain('CANARY-SESSION');
    expect(result.problems[0]!.message).toBe('signature mismatch for [redacted] with [redacted]');
  });
});
