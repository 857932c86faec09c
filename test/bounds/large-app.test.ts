// Issue 8 (per-document bounds): a realistic large app, generated here (900 Deployments, ConfigMaps and Services,
// about 250,000 YAML tokens in all: more than Argo CD's install.yaml), renders through the BUILT CLI's `cmp generate`
// and `render`, within the memory the Argo CD sidecar has. A bound on the whole run's tokens used to refuse it (the
// run's total was 100,000); the reader now bounds each document and drops its syntax tree once converted.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { LIMITS } from '../../src/io/limits.js';
import { countTokens } from '../../src/io/yaml-parse.js';
import { HAS_TIME, runBuilt } from './built-cli.js';
import { largeApp, largeResourceList } from './large-app.js';

const CEILING_MIB = 192;
let dir: string;
let text: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'imps-krm-large-app-'));
  text = largeApp(300);
  writeFileSync(join(dir, 'app.yaml'), text);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(HAS_TIME)('a large multi-document app', () => {
  it('is as large as the test claims: more tokens than one document may hold, many documents', () => {
    expect(countTokens(text)).toBeGreaterThan(240_000);
    expect(countTokens(text)).toBeGreaterThan(LIMITS.documentTokens);
    expect(countTokens(text)).toBeLessThan(LIMITS.inputTokens);
  });

  it('cmp generate prints every manifest and the Secret', async () => {
    const result = await runBuilt(['cmp', 'generate'], { cwd: dir, env: { ARGOCD_ENV_CLUSTER: 'input' } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = parseAllDocuments(result.stdout).map((doc) => doc.toJS() as { kind: string });
    const kinds = printed.reduce<Record<string, number>>((count, { kind }) => ({ ...count, [kind]: (count[kind] ?? 0) + 1 }), {});
    // The source Secret is local-config (not printed); the ImagePullSecret is the plugin's input (not printed).
    expect(kinds).toEqual({ Namespace: 1, Deployment: 300, ConfigMap: 300, Service: 300, Secret: 1 });
    expect(result.peakMiB).toBeLessThan(CEILING_MIB);
  }, 120_000);

  it('render prints the Secret', async () => {
    const result = await runBuilt(['render', '-f', '.', '--cluster', 'input'], { cwd: dir });
    expect(result.stderr).toBe('rendered 1 Secret for ImagePullSecret pull: namespace shop\n');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^apiVersion: v1\nkind: Secret\n[^]*name: regcred\n/);
    expect(result.peakMiB).toBeLessThan(CEILING_MIB);
  }, 120_000);

  it('fn takes a large kustomize build as one ResourceList (the items kept whole: its own bound)', async () => {
    const list = largeResourceList(240);
    expect(countTokens(list)).toBeGreaterThan(200_000);
    expect(countTokens(list)).toBeLessThan(LIMITS.retainedTokens);
    const result = await runBuilt(['fn'], { cwd: dir, stdin: list });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith(list.slice(0, list.indexOf('items:\n')))).toBe(true);
    expect(result.stdout).toContain('name: regcred');
    expect(result.peakMiB).toBeLessThan(256);
  }, 120_000);
});
