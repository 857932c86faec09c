// Fuzzing the input documents of render (-f DIR and -f -) and cmp generate (the app directory): arbitrary YAML
// streams (yaml-text.ts) and byte-level mutations of the golden fixtures (mutate.ts), each next to a valid app.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { FuzzStats, fuzz, testTimeout } from './fuzz-run.js';
import { applyEdits, edits, seedCorpus, valueCanaries } from './mutate.js';
import { fuzzInProcess, type FuzzInput } from './run-face.js';
import { APP_PASSWORD, VALID_APP } from './valid-app.js';
import { yamlText } from './yaml-text.js';

const RUNS = 150;
const corpus = seedCorpus();
const seed = fc.constantFrom(...corpus);
const mutated = fc.tuple(seed, edits).map(([{ bytes }, list]) => {
  const out = applyEdits(bytes, list);
  return { bytes: out, secrets: valueCanaries(out) };
});

type Face = 'render' | 'render-stdin' | 'cmp';
function input(face: Face, bytes: string | Buffer, secrets: readonly string[]): FuzzInput {
  const all = [...secrets, APP_PASSWORD];
  if (face === 'render-stdin') return { args: ['render', '-f', 'imps.yaml', '-f', '-', '--cluster', 'input'], files: { 'imps.yaml': VALID_APP }, stdin: bytes, secrets: all };
  const files = { 'imps.yaml': VALID_APP, 'fuzzed.yaml': bytes };
  if (face === 'render') return { args: ['render', '-f', '.', '--cluster', 'input'], files, secrets: all };
  return { args: ['cmp', 'generate'], files, env: { ARGOCD_ENV_CLUSTER: 'input' }, secrets: all };
}

describe('fuzz: input documents', () => {
  for (const face of ['render', 'render-stdin', 'cmp'] as const) {
    it(`arbitrary YAML streams × ${face}`, async () => {
      const stats = new FuzzStats(`documents/yaml-text/${face}`);
      await fuzz(stats, yamlText, async ({ text, secrets }) => void (await fuzzInProcess(input(face, text, secrets), stats)), RUNS);
    }, testTimeout(RUNS, 200));

    it(`mutated golden fixtures × ${face}`, async () => {
      const stats = new FuzzStats(`documents/mutated/${face}`);
      await fuzz(stats, mutated, async ({ bytes, secrets }) => void (await fuzzInProcess(input(face, bytes, secrets), stats)), RUNS);
    }, testTimeout(RUNS, 200));
  }
});
