// A smaller share of the fuzzed inputs through the BUILT CLI (dist/cli.js, as Argo CD, kustomize and kpt run it): the
// bundle must behave as the sources do, and each input's peak RSS (from /usr/bin/time) must stay far under the Argo CD
// sidecar's 256Mi. These inputs are small; the bounds on large ones are test/bounds/memory.test.ts's.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { HAS_TIME } from '../bounds/built-cli.js';
import { fuzzedApp } from './apps.js';
import { FuzzStats, fuzz, testTimeout } from './fuzz-run.js';
import { applyEdits, edits, seedCorpus, valueCanaries } from './mutate.js';
import { fuzzBuilt, type FuzzInput } from './run-face.js';
import { APP_PASSWORD, asItems, VALID_APP } from './valid-app.js';
import { yamlText } from './yaml-text.js';

const RUNS = 6;
/** A twentieth of FUZZ_RUNS: a process start costs what twenty in-process runs do. */
const WEIGHT = 0.05;
const CEILING_MIB = 160;

const corpus = seedCorpus();
const documents = fc.oneof(
  yamlText.map(({ text, secrets }) => ({ bytes: Buffer.from(text), secrets })),
  fc.tuple(fc.constantFrom(...corpus), edits).map(([{ bytes }, list]) => {
    const out = applyEdits(bytes, list);
    return { bytes: out, secrets: valueCanaries(out) };
  }),
  fuzzedApp.map((app) => ({ bytes: Buffer.from(app.yaml), secrets: app.secrets })),
);

const FACES: Readonly<Record<string, (bytes: Buffer, secrets: readonly string[]) => FuzzInput>> = {
  render: (bytes, secrets) => ({ args: ['render', '-f', '.', '--cluster', 'input'], files: { 'imps.yaml': VALID_APP, 'fuzzed.yaml': bytes }, secrets: [...secrets, APP_PASSWORD] }),
  cmp: (bytes, secrets) => ({ args: ['cmp', 'generate'], files: { 'imps.yaml': VALID_APP, 'fuzzed.yaml': bytes }, env: { ARGOCD_ENV_CLUSTER: 'input' }, secrets: [...secrets, APP_PASSWORD] }),
  fn: (bytes, secrets) => ({
    args: ['fn'],
    stdin: Buffer.concat([
      Buffer.from(`apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: fn}, data: {cluster: input}}\nitems:\n${asItems(VALID_APP)}\n`),
      Buffer.from(asItems(bytes.toString('latin1')), 'latin1'),
      Buffer.from('\n'),
    ]),
    secrets: [...secrets, APP_PASSWORD],
  }),
  'kustomize-plugin': (bytes, secrets) => ({
    args: ['kustomize-plugin', 'config.yaml'],
    files: { 'config.yaml': VALID_APP.split('---\n')[0]!.replace('name: pull\n', 'name: pull\n  annotations:\n    imps-krm.io/cluster: input\n') },
    stdin: Buffer.concat([Buffer.from(`${VALID_APP.split('---\n').slice(1).join('---\n')}---\n`), bytes]),
    env: { KUSTOMIZE_PLUGIN_CONFIG_ROOT: '{dir}' },
    secrets: [...secrets, APP_PASSWORD],
  }),
};

describe.runIf(HAS_TIME)('fuzz: the built CLI', () => {
  for (const [face, build] of Object.entries(FACES)) {
    it(`× ${face}`, async () => {
      const stats = new FuzzStats(`built-cli/${face}`);
      await fuzz(stats, documents, async ({ bytes, secrets }) => void (await fuzzBuilt(build(bytes, secrets), stats, CEILING_MIB)), RUNS, WEIGHT);
    }, testTimeout(RUNS, 3000, WEIGHT));
  }
});
