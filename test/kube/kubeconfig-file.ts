// Writes kubeconfig files for tests: one context `c` -> cluster `k`, user `u`, unless told otherwise.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface KubeconfigParts {
  readonly cluster?: Record<string, unknown>;
  readonly user?: Record<string, unknown>;
  readonly currentContext?: string;
  readonly extra?: Record<string, unknown>;
}

export function tempDir(prefix = 'imps-kc-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeKubeconfig(dir: string, parts: KubeconfigParts, name = 'config'): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': parts.currentContext ?? 'c',
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
      clusters: [{ name: 'k', cluster: parts.cluster ?? { server: 'https://k.example:6443' } }],
      users: [{ name: 'u', user: parts.user ?? {} }],
      ...parts.extra,
    }),
    { mode: 0o600 },
  );
  return path;
}
