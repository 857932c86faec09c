// Fuzzing whole apps shaped by the schemas (apps.ts) through every face that reads them: render (YAML files, JSON on
// stdin), cmp generate, fn (a ResourceList, YAML and JSON) and the legacy kustomize plugin (the first object as the
// plugin config, the rest as resources). Credentials carry canaries in every source format.
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { YAML_PARSE_OPTIONS } from '../../src/io/yaml-parse.js';
import { fuzzedApp, renderableApp, type FuzzedApp } from './apps.js';
import { FuzzStats, fuzz, testTimeout } from './fuzz-run.js';
import { fuzzInProcess, type FuzzInput } from './run-face.js';
import { asItems } from './valid-app.js';

const RUNS = 100;

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

describe('fuzz: apps that render, printed and read back', () => {
  // What each face prints, as the Secrets it holds (fn: the items; render -o json: the List's items).
  const secretsOf = (face: string, stdout: string): Array<Record<string, unknown>> => {
    const docs = parseAllDocuments(stdout, YAML_PARSE_OPTIONS).map((doc) => doc.toJS({ maxAliasCount: -1 }) as Record<string, unknown>);
    const objects = face.startsWith('fn') ? ((docs[0]?.['items'] as Array<Record<string, unknown>>) ?? []) : face === 'render-json-stdin' ? ((docs[0]?.['items'] as Array<Record<string, unknown>>) ?? []) : docs;
    return objects.filter((object) => object['kind'] === 'Secret' && (object['metadata'] as Record<string, unknown>)['name'] === 'regcred');
  };
  for (const face of ['render', 'render-json-stdin', 'cmp', 'fn', 'fn-json', 'kustomize-plugin']) {
    it(`× ${face}: exit 0, and the Secret's annotations, labels and logins are the ones given`, async () => {
      const stats = new FuzzStats(`renderable/${face}`);
      await fuzz(
        stats,
        renderableApp,
        async (app) => {
          const outcome = await fuzzInProcess(FACES[face]!(app), stats);
          expect(outcome.code, outcome.stderr).toBe(0);
          const secrets = secretsOf(face, outcome.stdout);
          expect(secrets.map((secret) => (secret['metadata'] as Record<string, unknown>)['namespace']).sort()).toEqual([...app.namespaces].sort());
          const logins = expectedLogins(app.objects);
          for (const secret of secrets) {
            const data = secret['data'] as Record<string, string>;
            const auths = (JSON.parse(Buffer.from(data['.dockerconfigjson'] ?? '', 'base64').toString('utf8')) as { auths: Record<string, { username: string; password: string }> }).auths;
            expect(Object.fromEntries(Object.entries(auths).map(([registry, { username, password }]) => [registry, { username, password }]))).toEqual(logins);
            const metadata = secret['metadata'] as { annotations?: Record<string, string>; labels?: Record<string, string> };
            for (const [key, value] of Object.entries(app.annotations)) expect(metadata.annotations?.[key], key).toBe(value);
            for (const [key, value] of Object.entries(app.labels)) expect(metadata.labels?.[key], key).toBe(value);
          }
        },
        RUNS,
      );
    }, testTimeout(RUNS, 300));
  }
});

/** The logins the app's sources hold, by registry, as the rendered docker config must hold them. */
function expectedLogins(objects: readonly unknown[]): Record<string, { username: string; password: string }> {
  const logins: Record<string, { username: string; password: string }> = {};
  for (const object of objects as Array<{ kind?: string; type?: string; metadata: { annotations?: Record<string, string> }; stringData?: Record<string, string> }>) {
    if (object.kind !== 'Secret' || !object.stringData) continue;
    if (object.type === 'kubernetes.io/basic-auth') {
      logins[object.metadata.annotations?.['imps-krm.io/registry'] ?? ''] = { username: object.stringData['username'] ?? '', password: object.stringData['password'] ?? '' };
    } else {
      const auths = (JSON.parse(object.stringData['.dockerconfigjson'] ?? '{}') as { auths: Record<string, { username: string; password: string }> }).auths;
      for (const [registry, { username, password }] of Object.entries(auths)) logins[registry] = { username, password };
    }
  }
  return logins;
}
