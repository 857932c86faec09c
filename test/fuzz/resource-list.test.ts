// Fuzzing fn's stdin as the orchestrator sends it: byte-level mutations of the ResourceLists of the golden folders
// (test/fixtures/fn, YAML and JSON), and arbitrary YAML items spliced into a valid ResourceList. fn writes a whole
// ResourceList or nothing (run-face.ts checks it parses, and that its results hold no input text). Also: arbitrary
// command lines for every face, which end in usage errors (exit 2), never an internal one.
import fc from 'fast-check';
import { parse } from 'yaml';
import { describe, it } from 'vitest';
import { FuzzStats, fuzz, testTimeout } from './fuzz-run.js';
import { applyEdits, edits, seedCorpus, valueCanaries } from './mutate.js';
import { fuzzInProcess } from './run-face.js';
import { APP_PASSWORD, resourceList, VALID_APP } from './valid-app.js';
import { yamlText } from './yaml-text.js';

const RUNS = 120;
const lists = seedCorpus(['test/fixtures/fn']).filter((seed) => seed.path.endsWith('resource-list.yaml'));
// The same ResourceLists as JSON (kpt and kustomize may send either).
const jsonLists = lists.map((seed) => ({ path: `${seed.path}.json`, bytes: Buffer.from(toJson(seed.bytes.toString())) }));

function toJson(text: string): string {
  try {
    return JSON.stringify(parse(text, { uniqueKeys: false }));
  } catch {
    return text;
  }
}

describe('fuzz: fn stdin', () => {
  it('mutated ResourceLists (YAML and JSON)', async () => {
    const stats = new FuzzStats('resource-list/mutated');
    const arbitrary = fc.tuple(fc.constantFrom(...lists, ...jsonLists), edits).map(([{ bytes }, list]) => {
      const out = applyEdits(bytes, list);
      return { bytes: out, secrets: valueCanaries(out) };
    });
    await fuzz(stats, arbitrary, async ({ bytes, secrets }) => void (await fuzzInProcess({ args: ['fn'], stdin: bytes, files: { 'extra.yaml': VALID_APP }, secrets }, stats)), RUNS);
  }, testTimeout(RUNS, 200));

  it('arbitrary YAML items in a valid ResourceList', async () => {
    const stats = new FuzzStats('resource-list/yaml-items');
    await fuzz(
      stats,
      yamlText,
      async ({ text, secrets }) => void (await fuzzInProcess({ args: ['fn'], stdin: resourceList(text.replace(/^\ufeff/, '')), secrets: [...secrets, APP_PASSWORD] }, stats)),
      RUNS,
    );
  }, testTimeout(RUNS, 200));
});

describe('fuzz: command lines', () => {
  const FLAGS = ['render', 'fn', 'cmp', 'generate', 'discover', 'kustomize-plugin', 'explain', 'install', 'help', '--help', '-h', '-f', '--filename', '-', '.', 'imps.yaml', 'missing.yaml', '--cluster', 'input', 'live', 'auto', 'bogus', '-o', '--output', 'json', 'yaml', 'table', '--shells', '--kubeconfig', '--context', '-q', '--quiet', '--', '--version', '=', '--cluster=input', '-fimps.yaml', '', '\u0000', 'é'];
  it('every face: usage errors are exit 2 with nothing on stdout', async () => {
    const stats = new FuzzStats('command-lines');
    const argv = fc.array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...FLAGS) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }), { maxLength: 7 });
    // `install` writes a copy of the CLI: never let it, whatever the arguments.
    const safe = argv.filter((args) => !args.includes('install'));
    await fuzz(stats, safe, async (args) => void (await fuzzInProcess({ args, files: { 'imps.yaml': VALID_APP }, stdin: '', env: { ARGOCD_ENV_CLUSTER: 'input' }, secrets: [APP_PASSWORD] }, stats)), RUNS);
  }, testTimeout(RUNS, 200));
});
