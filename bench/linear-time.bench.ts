// Issue 8 item 4 (linear time), the figures test/unit/linear-time.test.ts does not assert: per schema pattern, the
// median time over the worst inputs at 20,000 and 80,000 characters and their ratio (linear: ~4x; quadratic: ~16x),
// and the time to trim and merge a registry key behind 400,000 slashes.
// Run alone: `npx tsx bench/linear-time.bench.ts`.
import { defaultScopeOf } from '../src/core/azure-clouds.js';
import { mergeCredentials, registryIdentity } from '../src/core/docker-config.js';
import { parseSource } from '../src/core/sources.js';
import { adversarial, schemaPatterns, slashRun } from '../test/bounds/adversarial.js';
import { fmt } from './measure.js';

function medianOfThree(run: () => unknown): number {
  const runs = [0, 1, 2].map(() => {
    const started = performance.now();
    run();
    return performance.now() - started;
  });
  return runs.sort((a, b) => a - b)[1]!;
}

const small = adversarial(20_000);
const large = adversarial(80_000);
console.log('| pattern | 20k chars | 80k chars | ratio (linear ~4) |');
console.log('|---|---|---|---|');
for (const pattern of schemaPatterns()) {
  const regex = new RegExp(pattern, 'u');
  const smallMs = medianOfThree(() => small.forEach((text) => regex.test(text)));
  const largeMs = medianOfThree(() => large.forEach((text) => regex.test(text)));
  console.log(`| \`${pattern.replace(/\|/g, '\\|')}\` | ${fmt(smallMs)} | ${fmt(largeMs)} | ${(largeMs / Math.max(smallMs, 0.01)).toFixed(1)} |`);
}

const registry = slashRun(400_000);
const trimMs = medianOfThree(() => {
  registryIdentity(`https://${registry}//`);
  defaultScopeOf(`https://a${'/'.repeat(400_000)}x/`);
  const source = parseSource({ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': JSON.stringify({ auths: { [registry]: { username: 'u', password: 'p' } } }) } });
  if (source.ok && source.plan.kind === 'static') mergeCredentials([{ source: 'a', credentials: source.plan.credentials }, { source: 'b', credentials: source.plan.credentials }]);
});
console.log(`\ntrim, parse and merge a registry key behind 400,000 slashes: ${fmt(trimMs)} (/\\/+$/ took 10 s on 80,000)`);
