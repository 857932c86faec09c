// Item 4 of issue 8: nothing on the read path takes more than linear time in its input. This test runs the read
// path on the inputs that make a backtracking matcher slow and checks the answers; a quadratic step on them takes
// minutes, so the test's own time limit is what stops it. How the time grows with the input (4x the input at most
// ~4x the time) is measured by bench/linear-time.bench.ts, not asserted here: a wall-clock figure on a shared
// machine is not a test.
import { describe, expect, it } from 'vitest';
import { defaultScopeOf } from '../../src/core/azure-clouds.js';
import { mergeCredentials, registryIdentity } from '../../src/core/docker-config.js';
import { parseSource } from '../../src/core/sources.js';
import { adversarial, schemaPatterns, slashRun } from '../bounds/adversarial.js';

describe('linear time on adversarial input', () => {
  it('every pattern in schemas/ (ajv runs them on input) answers on the worst inputs', () => {
    const patterns = schemaPatterns();
    expect(patterns.length).toBeGreaterThan(5);
    const inputs = adversarial(80_000);
    // Each pattern on 57 inputs of 80,000 characters: well under a second when linear; one quadratic pattern (5 s for
    // /\/+$/ on one such input) takes minutes.
    const answered = patterns.map((pattern) => inputs.filter((text) => new RegExp(pattern, 'u').test(text)).length);
    expect(answered).toHaveLength(patterns.length);
  });

  it('registry keys of a docker config and audiences: a long run of slashes is trimmed, not backtracked over', () => {
    const registry = slashRun(400_000);
    expect(registryIdentity(`https://${registry}//`)).toBe(registry);
    expect(defaultScopeOf(`https://a${'/'.repeat(400_000)}x/`)).toMatch(/x\/\.default$/);
    const source = parseSource({ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': JSON.stringify({ auths: { [registry]: { username: 'u', password: 'p' } } }) } });
    expect(source.ok && source.plan.kind === 'static' ? mergeCredentials([{ source: 'a', credentials: source.plan.credentials }, { source: 'b', credentials: source.plan.credentials }]).conflicts : undefined).toEqual([]);
  });
});
