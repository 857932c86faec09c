import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// A render with only docker-config sources must not load a cloud SDK (cold start of every KRM/Argo CD render):
// the dispatcher may import the SDK adapters only dynamically. (Checked end to end on the bundle: a basic-auth
// render loads no provider chunk; see docs/registries.md.)
describe('cloud-token-provider', () => {
  it('imports provider modules only with dynamic import()', () => {
    const source = readFileSync(new URL('../../src/adapters/cloud-token-provider.ts', import.meta.url), 'utf8');
    const staticImports = [...source.matchAll(/^import\s.*from\s+'([^']+)'/gm)].map((m) => m[1]);
    // Types, and the warning scope (which loads async_hooks only when a first token is asked for).
    expect(staticImports).toEqual(['../core/tokens.js', '../io/warning-scope.js', '../ports/service-account-tokens.js', '../ports/tokens.js']);
    for (const provider of ['./aws/ecr-token-provider.js', './aws/ecr-public-token-provider.js', './azure/acr-token-provider.js', './google/gar-token-provider.js']) {
      expect(source).toContain(`await import('${provider}')`);
    }
  });
});
