// What the BUILT CLI loads before it knows its command: every face starts from dist/cli.js, so a static import of a
// network module there is paid by every input-mode render and KRM function run. The Kubernetes client is in that
// file and must import node:http(s), net, tls and child_process only when it connects; and no Kubernetes client
// library ships at all (issue 12: client-node cost ~3.8x `node -e 0` to import and warned on Node 24).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_CLI, REPO } from './cli-on-path.js';

describe('the built CLI bundle', () => {
  it('imports no network or process module statically', () => {
    const bundle = readFileSync(BUILT_CLI, 'utf8');
    const staticBuiltins = new Set([...bundle.matchAll(/(?:^|[;\n])import\s*[^"();]*?from\s*"(node:[a-z_/]+)"/g)].map((match) => match[1]));
    expect(staticBuiltins.size).toBeGreaterThan(0); // the pattern does find static imports (node:fs, node:path...)
    for (const module of ['node:http', 'node:https', 'node:net', 'node:tls', 'node:child_process']) {
      expect(staticBuiltins).not.toContain(module);
      expect(bundle).toContain(`import("${module}")`);
    }
  });

  it('ships no Kubernetes client library', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies).filter((name) => name.startsWith('@kubernetes/'))).toEqual([]);
  });
});
