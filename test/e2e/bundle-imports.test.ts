// What the BUILT CLI loads before it knows its command: every face starts from the launcher (dist/cli.js) and the
// bundle (dist/imps-krm.cjs), so a static require of a network module there is paid by every input-mode render and
// KRM function run. The Kubernetes client is in the bundle and must load node:http(s), net, tls and child_process
// only when it connects (through the launcher's importer); and no Kubernetes client library ships at all (issue 12:
// client-node cost ~3.8x `node -e 0` to import and warned on Node 24).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeKubeApi } from '../fakes/kube-api-server.js';
import { guardedEnv } from '../guard/child-env.js';
import { BUILT_CLI, REPO, run } from './cli-on-path.js';

describe('the built CLI bundle', () => {
  it('requires no network or process module statically', () => {
    const launcher = readFileSync(BUILT_CLI, 'utf8');
    const bundle = readFileSync(join(REPO, 'dist', 'imps-krm.cjs'), 'utf8');
    const required = (text: string) => new Set([...text.matchAll(/\brequire\("(node:[a-z_/]+)"\)/g)].map((match) => match[1]));
    expect(required(bundle).size).toBeGreaterThan(0); // the pattern does find static requires (node:fs, node:path...)
    expect([...required(launcher)].sort()).toEqual(['node:fs', 'node:path', 'node:url', 'node:vm']);
    for (const module of ['node:http', 'node:https', 'node:net', 'node:tls', 'node:child_process']) {
      expect(required(bundle)).not.toContain(module);
      expect(bundle).toContain(`importChunk("${module}")`);
    }
  });

  it('a live render loads the HTTP client it uses and nothing behind lazy getters (undici, web streams, workers)', async () => {
    const kube = await startFakeKubeApi({ objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }] });
    const dir = mkdtempSync(join(tmpdir(), 'imps-krm-modules-'));
    try {
      const list = join(dir, 'modules.txt');
      const env = guardedEnv({ ...process.env, IMPS_KRM_TEST_MODULE_LIST: list });
      env['NODE_OPTIONS'] = `${env['NODE_OPTIONS'] ?? ''} --require=${join(REPO, 'test', 'fixtures', 'module-list.cjs')}`;
      const ran = await run(process.execPath, [BUILT_CLI, 'render', '-f', join(REPO, 'examples', 'basic'), '--cluster', 'live', '--kubeconfig', kube.kubeconfigPath], { cwd: dir, env });
      expect(ran.stderr).toContain('not found'); // the tiny cluster has no source Secret: the render did reach it
      const modules = readFileSync(list, 'utf8').split('\n');
      expect(modules).toContain('NativeModule http');
      // (Node 22's http itself loads two web-stream helpers; the getters load stream/web, undici and workers.)
      expect(modules.filter((name) => /undici|NativeModule stream\/web$|worker_threads/.test(name))).toEqual([]);
    } finally {
      await kube.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ships no Kubernetes client library, nor any other package: the bundle holds the runtime code', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    // Everything the bundle inlines is a dev dependency (test/e2e/packed-install.test.ts installs with --omit=dev).
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies', 'bundledDependencies']) expect(pkg[field], field).toBeUndefined();
    expect(Object.keys(pkg['devDependencies'] ?? {}).filter((name) => name.startsWith('@kubernetes/'))).toEqual(['@kubernetes/client-node']); // the fake's proof only
  });
});
