// Issue 9, bundle integrity: with HTTPS_PROXY set, dist/cli.js once failed with `TypeError: u is not a constructor`
// before any request: esbuild had turned gaxios's `(await import('https-proxy-agent')).HttpsProxyAgent` into an
// import of a chunk that exported only `default`. Nothing loaded that path until a user was behind a proxy. Here:
// every emitted chunk is loaded, every name the built code takes from a lazily imported chunk is checked in the
// files and at run time (the build runs the same file check and fails on a finding), and the fix (an esbuild plugin)
// and the check are shown on a small build of that very import. The providers' proxy paths themselves (gaxios for a
// service-account key, the Azure SDK for Entra ID and IMDS) run through the built CLI behind a proxy in
// test/providers/https-proxy.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { checkChunkImports } from '../../scripts/check-chunk-imports.mjs';
import { cjsDynamicImportInterop } from '../../scripts/cjs-dynamic-import.mjs';
import { guardedEnv } from '../guard/child-env.js';
import { REPO, run } from './cli-on-path.js';

const DIST = join(REPO, 'dist');
const scratch = mkdtempSync(join(tmpdir(), 'imps-krm-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Loads chunks in a child Node (the loopback guard preloaded), as the built CLI would. */
async function loadChunks(dist: string): Promise<{ failures: string[]; chunks: number; names: number }> {
  const ran = await run(process.execPath, [join(REPO, 'test', 'fixtures', 'bundle', 'load-chunks.mjs'), dist], { cwd: scratch, env: guardedEnv() });
  expect(ran.stderr).toBe('');
  return JSON.parse(ran.stdout) as { failures: string[]; chunks: number; names: number };
}

describe('the built CLI bundle', () => {
  it('provides every name its importers take from a lazily imported chunk (files)', () => {
    expect(checkChunkImports(DIST)).toEqual([]);
  });

  it('loads every emitted chunk, and every such name is defined at run time', async () => {
    const result = await loadChunks(DIST);
    expect(result.failures).toEqual([]);
    expect(result.chunks).toBeGreaterThan(10);
    expect(result.names).toBeGreaterThan(10);
  });
});

describe("the interop fix and the check, on a build of gaxios's import of https-proxy-agent", () => {
  async function bundle(plugins: Parameters<typeof build>[0]['plugins']): Promise<string> {
    const dir = mkdtempSync(join(scratch, 'build-'));
    const entry = join(dir, 'entry.mjs');
    writeFileSync(entry, "export async function proxyAgentClass() { return (await import('https-proxy-agent')).HttpsProxyAgent; }\n");
    await build({
      entryPoints: { entry },
      outdir: join(dir, 'chunks'),
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      outExtension: { '.js': '.mjs' },
      chunkNames: 'shared-[hash]',
      nodePaths: [join(REPO, 'node_modules')],
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
      logLevel: 'silent',
      plugins,
    });
    return dir;
  }
  const agentClass = async (dir: string): Promise<string> => {
    const module = (await import(pathToFileURL(join(dir, 'chunks', 'entry.mjs')).href)) as { proxyAgentClass: () => Promise<unknown> };
    return typeof (await module.proxyAgentClass());
  };

  it('without the plugin: the check names the lost export, and the class is undefined at run time', async () => {
    const dir = await bundle([]);
    const findings = checkChunkImports(dir);
    expect(findings.some((finding) => /chunks\/entry\.mjs takes HttpsProxyAgent from \.\/shared-\w+\.mjs, which does not export it/.test(finding))).toBe(true);
    expect(findings.some((finding) => /is a CommonJS module behind import\(\) with only a default export/.test(finding))).toBe(true);
    expect(await agentClass(dir)).toBe('undefined');
  });

  it('with the plugin (what scripts/build.mjs uses): no finding, and the class is there', async () => {
    const dir = await bundle([cjsDynamicImportInterop]);
    expect(checkChunkImports(dir)).toEqual([]);
    expect(await agentClass(dir)).toBe('function');
  });
});
