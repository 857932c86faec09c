// Item 4 of issue 8: nothing on the read path takes more than linear time in its input. Regular expressions run on
// input (the schemas' patterns, through ajv) and string trimming are timed at two sizes on the inputs that make a
// backtracking matcher slow: 4x the input may cost at most ~4x (quadratic would be 16x).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultScopeOf } from '../../src/core/azure-clouds.js';
import { mergeCredentials, registryIdentity } from '../../src/core/docker-config.js';
import { parseSource } from '../../src/core/sources.js';

function time(run: () => unknown): number {
  const runs = [0, 1, 2].map(() => {
    const started = performance.now();
    run();
    return performance.now() - started;
  });
  return runs.sort((a, b) => a - b)[1]!;
}

/** Worst inputs for a pattern: long runs of each character its classes accept, then one it does not. */
function adversarial(size: number): string[] {
  const runs = ['a', '0', '-', '.', '/', ':', '_', ',', ' ', 'a-', 'a.', 'a/', 'a:', '-a', 'a,', 'repository:a:a ', '1', 'aa-docker', '-docker.pkg.dev'];
  return runs.flatMap((run) => [run.repeat(Math.ceil(size / run.length)), `a${run.repeat(Math.ceil(size / run.length))}!`, `https://${run.repeat(Math.ceil(size / run.length))}\n`]);
}

describe('linear time on adversarial input', () => {
  it('every pattern in schemas/ (ajv runs them on input)', () => {
    const dir = join(import.meta.dirname, '..', '..', 'schemas');
    const patterns = new Set<string>();
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (typeof value === 'object' && value !== null) {
        for (const [key, inner] of Object.entries(value)) {
          if (key === 'pattern' && typeof inner === 'string') patterns.add(inner);
          else collect(inner);
        }
      }
    };
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.json'))) collect(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    expect(patterns.size).toBeGreaterThan(5);
    for (const pattern of patterns) {
      const regex = new RegExp(pattern, 'u');
      const small = adversarial(20_000);
      const large = adversarial(80_000);
      const smallTime = time(() => small.forEach((text) => regex.test(text)));
      const largeTime = time(() => large.forEach((text) => regex.test(text)));
      expect(largeTime, pattern).toBeLessThan(Math.max(smallTime, 5) * 10);
    }
  });

  it('registry keys of a docker config and audiences: a long run of slashes is trimmed in linear time', () => {
    const registry = `ghcr.io${'/'.repeat(400_000)}x`;
    const started = performance.now();
    expect(registryIdentity(`https://${registry}//`)).toBe(registry);
    expect(defaultScopeOf(`https://a${'/'.repeat(400_000)}x/`)).toMatch(/x\/\.default$/);
    const source = parseSource({ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': JSON.stringify({ auths: { [registry]: { username: 'u', password: 'p' } } }) } });
    expect(source.ok).toBe(true);
    if (source.ok && source.plan.kind === 'static') mergeCredentials([{ source: 'a', credentials: source.plan.credentials }, { source: 'b', credentials: source.plan.credentials }]);
    expect(performance.now() - started).toBeLessThan(2000); // /\/+$/ took 10 s on 80,000 slashes
  });
});
