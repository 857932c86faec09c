// Fuzzing whole apps shaped by the schemas (apps.ts) through every face that reads them: render (YAML files, JSON on
// stdin), cmp generate, fn (a ResourceList, YAML and JSON) and the legacy kustomize plugin (the first object as the
// plugin config, the rest as resources). Credentials carry canaries in every source format.
import { describe, it } from 'vitest';
import { fuzzedApp, type FuzzedApp } from './apps.js';
import { FuzzStats, fuzz, testTimeout } from './fuzz-run.js';
import { fuzzInProcess, type FuzzInput } from './run-face.js';
import { asItems } from './valid-app.js';

const RUNS = 150;

const FACES: Readonly<Record<string, (app: FuzzedApp) => FuzzInput>> = {
  render: (app) => ({ args: ['render', '-f', '.', '--cluster', 'input'], files: { 'app.yaml': app.yaml }, secrets: app.secrets }),
  'render-json-stdin': (app) => ({ args: ['render', '-f', '-', '--cluster', 'input', '-o', 'json'], stdin: app.json, secrets: app.secrets }),
  'render-shells': (app) => ({ args: ['render', '-f', '.', '--shells'], files: { 'app.yaml': app.yaml }, secrets: app.secrets }),
  cmp: (app) => ({ args: ['cmp', 'generate'], files: { 'app.yaml': app.yaml }, env: { ARGOCD_ENV_CLUSTER: 'input', ARGOCD_APP_PROJECT_NAME: 'team-a' }, secrets: app.secrets }),
  fn: (app) => ({
    args: ['fn'],
    stdin: `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: fn}, data: {cluster: input, patchWorkloads: "true"}}\nitems:\n${asItems(app.yaml)}\n`,
    secrets: app.secrets,
  }),
  'fn-json': (app) => ({
    args: ['fn'],
    stdin: JSON.stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', functionConfig: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fn' }, data: { cluster: 'input' } }, items: app.objects }),
    secrets: app.secrets,
  }),
  'kustomize-plugin': (app) => {
    const [config, ...rest] = app.yaml.split(/^---\n/m);
    return { args: ['kustomize-plugin', 'config.yaml'], files: { 'config.yaml': config ?? '' }, stdin: rest.join('---\n'), env: { KUSTOMIZE_PLUGIN_CONFIG_ROOT: '{dir}' }, secrets: app.secrets };
  },
};

describe('fuzz: apps shaped by the schemas', () => {
  for (const [face, build] of Object.entries(FACES)) {
    it(`× ${face}`, async () => {
      const stats = new FuzzStats(`apps/${face}`);
      await fuzz(stats, fuzzedApp, async (app) => void (await fuzzInProcess(build(app), stats)), RUNS);
    }, testTimeout(RUNS, 300));
  }
});
