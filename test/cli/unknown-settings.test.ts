// A typo in a setting (`imps-krm.io/clustr`, ARGOCD_ENV_CLUSTR) fails in every face that reads settings, naming where
// it was written and listing the known settings: ignored, it would leave `cluster` on auto and read whatever cluster
// the kubeconfig points at. Runs the BUILT CLI (dist/cli.js).
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { BUILT_CLI, REPO, run } from '../e2e/cli-on-path.js';
import { guardedEnv } from '../guard/child-env.js';

const KNOWN = '(known: cluster, output, patchServiceAccounts, patchWorkloads, files)';
let dir: string;
let env: NodeJS.ProcessEnv;
let inputs: Array<Record<string, unknown>>;
const cli = (args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string } = {}) =>
  run(process.execPath, [BUILT_CLI, ...args], { cwd: options.cwd ?? dir, env: { ...env, ...options.env }, stdin: options.stdin });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imps-krm-settings-'));
  await cp(join(REPO, 'examples', 'basic'), join(dir, 'app'), { recursive: true });
  env = guardedEnv({ ...process.env, KUBECONFIG: join(dir, 'no-kubeconfig') });
  inputs = [];
  for (const file of (await readdir(join(dir, 'app'))).sort()) {
    for (const doc of parseAllDocuments(await readFile(join(dir, 'app', file), 'utf8'))) if (doc.contents) inputs.push(doc.toJS() as Record<string, unknown>);
  }
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function impsWith(annotations: Record<string, string>): Record<string, unknown> {
  const imps = structuredClone(inputs.find((doc) => doc['kind'] === 'ImagePullSecret')!);
  return { ...imps, metadata: { ...(imps['metadata'] as object), annotations } };
}

function resourceList(annotations: Record<string, string>): string {
  const items = inputs.filter((doc) => doc['kind'] !== 'ImagePullSecret');
  return stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items, functionConfig: impsWith(annotations) });
}

describe('KRM function: imps-krm.io/* annotations on the ImagePullSecret functionConfig', () => {
  it('an unknown one is an error (exit 1, one line, a result), and nothing is rendered', async () => {
    const ran = await cli(['fn'], { stdin: resourceList({ 'imps-krm.io/clustr': 'input' }) });
    expect(ran.stderr).toBe(`error: ImagePullSecret/imps: metadata.annotations.imps-krm.io/clustr: unknown setting "clustr" ${KNOWN}\n`);
    expect(ran.code).toBe(1);
    const list = parse(ran.stdout) as { items: Array<{ kind: string }>; results: Array<{ severity: string; field: { path: string } }> };
    expect(list.items.some((item) => item.kind === 'Secret' && JSON.stringify(item).includes('istio-pull-secret'))).toBe(false);
    expect(list.results).toEqual([expect.objectContaining({ severity: 'error', field: { path: 'metadata.annotations.imps-krm.io/clustr' } })]);
  });

  it("the contract's own keys are not settings and not typos: ignored", async () => {
    const ran = await cli(['fn'], {
      stdin: resourceList({ 'imps-krm.io/cluster': 'input', 'imps-krm.io/expires-at': '2026-11-29T22:29:50Z', 'imps-krm.io/refresher-managed': 'true' }),
    });
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('name: istio-pull-secret');
  });

  it('the legacy kustomize plugin reads the same annotations: an unknown one is an error', async () => {
    const config = join(dir, 'plugin-config.yaml');
    await writeFile(config, stringify(impsWith({ 'imps-krm.io/cluster': 'input', 'imps-krm.io/patchServiceAcounts': 'true' })));
    const ran = await cli(['kustomize-plugin', config], { stdin: stringify(inputs[1]) });
    expect(ran.stderr).toBe(`error: ImagePullSecret/imps: metadata.annotations.imps-krm.io/patchServiceAcounts: unknown setting "patchServiceAcounts" ${KNOWN}\n`);
    expect(ran.stdout).toBe('');
    expect(ran.code).toBe(1);
  });
});

describe('Argo CD plugin settings', () => {
  const generate = (extra: NodeJS.ProcessEnv) => cli(['cmp', 'generate'], { cwd: join(dir, 'app'), env: { ARGOCD_ENV_CLUSTER: 'input', ...extra } });

  it.each([
    [{ ARGOCD_ENV_CLUSTR: 'live' }, `error: ARGOCD_ENV_CLUSTR: unknown setting "CLUSTR" ${KNOWN}`],
    [{ ARGOCD_ENV_PATCH_SERVICE_ACOUNTS: 'true' }, `error: ARGOCD_ENV_PATCH_SERVICE_ACOUNTS: unknown setting "PATCH_SERVICE_ACOUNTS" ${KNOWN}`],
    [{ ARGOCD_ENV_OUTPTU: 'shells' }, `error: ARGOCD_ENV_OUTPTU: unknown setting "OUTPTU" ${KNOWN}`],
    [{ PARAM_CLUSTR: 'live' }, `error: PARAM_CLUSTR: unknown setting "CLUSTR" ${KNOWN}`],
    [{ ARGOCD_APP_PARAMETERS: '[{"name":"clustr","string":"live"}]' }, `error: parameters[0].name: unknown setting "clustr" ${KNOWN}`],
  ])('%j is an error, nothing is printed', async (extra, line) => {
    const ran = await generate(extra);
    expect(ran.stderr).toBe(`${line}\n`);
    expect(ran.stdout).toBe('');
    expect(ran.code).toBe(1);
  });

  it('ARGOCD_ENV_* that are not near one of our names are left to the other tools of a plugin', async () => {
    const ran = await generate({ ARGOCD_ENV_HELM_ARGS: '--skip-crds', ARGOCD_ENV_UNRELATED: 'x', ARGOCD_ENV_KUSTOMIZE_VERSION: '5' });
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('name: istio-pull-secret');
  });
});
