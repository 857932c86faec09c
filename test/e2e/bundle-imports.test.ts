// What the BUILT CLI loads before it knows its command: every face starts from the launcher (dist/cli.js) and the
// bundle (dist/imps-krm.cjs), so a static require of a network module there is paid by every input-mode render and
// KRM function run. The Kubernetes client is in the bundle and must load node:http(s), net, tls and child_process
// only when it connects (through the launcher's importer); and no Kubernetes client library ships at all (issue 12:
// client-node cost ~3.8x `node -e 0` to import and warned on Node 24).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_CLI, REPO } from './cli-on-path.js';

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

  it('ships no Kubernetes client library', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies).filter((name) => name.startsWith('@kubernetes/'))).toEqual([]);
  });
});
