// Fuzzing the settings every KRM-shaped face reads from the repository: a ResourceList's functionConfig (ConfigMap
// data, ImagePullSecret annotations; YAML and JSON), the legacy plugin's config file, and the Argo CD plugin's
// parameters (ARGOCD_APP_PARAMETERS, PARAM_*, ARGOCD_ENV_*). The input directory holds files a `files` setting may
// name: one inside, one outside the root through a symbolic link, a FIFO, a folder named like a manifest.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, it } from 'vitest';
import { FuzzStats, fuzz, testTimeout } from './fuzz-run.js';
import { fuzzInProcess, type FuzzInput } from './run-face.js';
import { configMapData, paramVariables, parameterJson, validParameterJson } from './settings-arbitrary.js';
import { APP_PASSWORD, resourceList, VALID_APP } from './valid-app.js';
import { plantCanaries } from './yaml-text.js';

const RUNS = 100;
const EXTRA = stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
const OUTSIDE_PASSWORD = 'CANARY-fz-outside-password';

/** Files a `files` setting may name; `{dir}/../outside.yaml` is outside every input root. */
const FILES: Record<string, string> = { 'extra.yaml': EXTRA, 'sub/extra.yaml': EXTRA };

function plant<T extends { secrets: readonly string[] }>(text: string, rest: (text: string, secrets: readonly string[]) => T): T {
  const planted = plantCanaries(text);
  return rest(planted.text, planted.secrets);
}

const functionConfig = fc.oneof(
  configMapData.map((data) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fn' }, data })),
  configMapData.map((data) => ({
    apiVersion: 'images.banzaicloud.io/v1alpha1',
    kind: 'ImagePullSecret',
    metadata: { name: 'pull', annotations: Object.fromEntries(Object.entries(data).map(([key, value]) => [`imps-krm.io/${key}`, value])) },
    spec: { registry: { credentials: [{ name: 'login', namespace: 'registry-access' }] }, target: { namespaces: { names: ['shop'] }, secret: { name: 'regcred' } } },
  })),
  fc.constantFrom(null, 'text', 1, [], {}),
);

describe('fuzz: settings', () => {
  it('fn: functionConfig (YAML and JSON ResourceLists)', async () => {
    const stats = new FuzzStats('settings/fn-function-config');
    const arbitrary = fc.tuple(functionConfig, fc.boolean());
    await fuzz(
      stats,
      arbitrary,
      async ([config, json]) => {
        const input = plant(JSON.stringify(config), (text, secrets) => {
          const stdin = json
            ? JSON.stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', functionConfig: JSON.parse(text) as unknown, items: [] })
            : resourceList('', text);
          return { args: ['fn'], stdin, secrets: [...secrets, APP_PASSWORD] };
        });
        await fuzzInProcess(prepare(input), stats);
      },
      RUNS,
    );
  }, testTimeout(RUNS, 200));

  it('the legacy kustomize plugin: its config file', async () => {
    const stats = new FuzzStats('settings/legacy-plugin-config');
    await fuzz(
      stats,
      functionConfig,
      async (config) => {
        const input = plant(stringify(config), (text, secrets) => ({
          args: ['kustomize-plugin', 'plugin-config.yaml'],
          files: { 'plugin-config.yaml': text },
          stdin: VALID_APP,
          env: { KUSTOMIZE_PLUGIN_CONFIG_ROOT: '{dir}' },
          secrets: [...secrets, APP_PASSWORD],
        }));
        await fuzzInProcess(prepare(input), stats);
      },
      RUNS,
    );
  }, testTimeout(RUNS, 200));

  it('cmp generate: ARGOCD_APP_PARAMETERS, PARAM_* and ARGOCD_ENV_*', async () => {
    const stats = new FuzzStats('settings/argocd-parameters');
    // Half the time what a correct Application sends (so that the render runs), else anything.
    const arbitrary = fc.oneof(
      fc.record({ parameters: validParameterJson, variables: fc.constant({}) }),
      fc.record({ parameters: fc.option(parameterJson, { nil: undefined }), variables: paramVariables }),
    );
    await fuzz(
      stats,
      arbitrary,
      async ({ parameters, variables }) => {
        const input = plant(JSON.stringify({ parameters, variables }), (text, secrets) => {
          const { parameters: p, variables: v } = JSON.parse(text) as { parameters?: string; variables: Record<string, string> };
          // As argocd-cmp-server runs it: in the app's folder of the repository, ARGOCD_APP_SOURCE_PATH saying which.
          // The app folder is the repository's `app/`: what `files` may name lies around it.
          return {
            args: ['cmp', 'generate'],
            cwd: 'app',
            files: { 'app/imps.yaml': VALID_APP, 'app/extra.yaml': EXTRA },
            env: { ...v, ARGOCD_APP_SOURCE_PATH: 'app', ...(p === undefined ? {} : { ARGOCD_APP_PARAMETERS: p }) },
            secrets: [...secrets, APP_PASSWORD],
          };
        });
        await fuzzInProcess(prepare(input), stats);
      },
      RUNS,
      // The one property of this entry point: twice the inputs in a long run.
      2,
    );
  }, testTimeout(RUNS, 200, 2));
});

/**
 * The input directory: the app and the files settings may name, plus a link out of it (to a file holding a canary),
 * a FIFO and a folder, each named like a manifest; made by a hook run once the directory exists.
 */
function prepare(input: FuzzInput): FuzzInput {
  return {
    ...input,
    files: { ...FILES, ...input.files },
    secrets: [...input.secrets, OUTSIDE_PASSWORD],
    setup: (dir, outside) => {
      writeFileSync(join(outside, 'outside.yaml'), `apiVersion: v1\nkind: Secret\nmetadata: {name: out, namespace: registry-access}\nstringData: {password: ${OUTSIDE_PASSWORD}}\n`);
      symlinkSync(join(outside, 'outside.yaml'), join(dir, 'link-out.yaml'));
      mkdirSync(join(dir, 'dir.yaml'));
      execFileSync('mkfifo', [join(dir, 'fifo.yaml')]);
    },
  };
}
