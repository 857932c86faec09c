import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../../src/cli/main.js';
import { captureStdio } from '../golden/capture.js';

// Property: `render` prints every Secret or none. Whatever mix of good and broken sources, specs and namespaces,
// stdout is either empty with exit 1 (and a reason on stderr) or holds exactly one Secret per selected namespace.

const login = (user: string) =>
  Buffer.from(JSON.stringify({ auths: { [`${user}.example.com`]: { username: user, password: `pw-${user}` } } })).toString('base64');

type SourceKind = 'good' | 'missing' | 'wrong-type' | 'bad-json' | 'conflict';

function sourceObject(name: string, kind: SourceKind): object | undefined {
  const meta = { name, namespace: 'sources' };
  switch (kind) {
    case 'good':
      return { apiVersion: 'v1', kind: 'Secret', metadata: meta, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': login(name) } };
    case 'conflict':
      return { apiVersion: 'v1', kind: 'Secret', metadata: meta, type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': JSON.stringify({ auths: { 'shared.example.com': { username: name, password: 'x' } } }) } };
    case 'missing':
      return undefined;
    case 'wrong-type':
      return { apiVersion: 'v1', kind: 'Secret', metadata: meta, type: 'Opaque', data: {} };
    case 'bad-json':
      return { apiVersion: 'v1', kind: 'Secret', metadata: meta, type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{' } };
  }
}

const scenario = fc.record({
  sources: fc.array(fc.constantFrom<SourceKind>('good', 'good', 'good', 'missing', 'wrong-type', 'bad-json', 'conflict'), { minLength: 1, maxLength: 4 }),
  specs: fc.array(fc.record({ namespaces: fc.subarray(['a', 'b', 'c', 'd']), sourceMask: fc.nat(15) }), { minLength: 1, maxLength: 3 }),
});

describe('render prints everything or nothing', () => {
  it('holds for random mixes of good and broken input', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ sources, specs }) => {
        const names = sources.map((_, i) => `src-${i}`);
        const documents: object[] = ['a', 'b', 'c', 'd'].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
        sources.forEach((kind, i) => {
          const object = sourceObject(names[i]!, kind);
          if (object) documents.push(object);
        });
        const expectedNamespaces = new Set<string>();
        specs.forEach((spec, i) => {
          const used = names.filter((_, j) => (spec.sourceMask >> j) & 1);
          const credentials = (used.length > 0 ? used : [names[0]!]).map((name) => ({ name, namespace: 'sources' }));
          documents.push({
            apiVersion: 'images.banzaicloud.io/v1alpha1',
            kind: 'ImagePullSecret',
            metadata: { name: `spec-${i}` },
            spec: { registry: { credentials }, target: { secret: { name: `pull-${i}` }, namespaces: { names: spec.namespaces } } },
          });
          spec.namespaces.forEach((ns) => expectedNamespaces.add(`${ns}/pull-${i}`));
        });
        const run = captureStdio({ cwd: process.cwd(), stdin: documents.map((d) => stringify(d)).join('---\n') });
        const code = await runCli(['render', '-f', '-', '--cluster', 'input'], run.stdio);
        const rendered = (run.stdout().match(/^kind: Secret$/gm) ?? []).length;
        if (code === 0) {
          expect(rendered).toBe(expectedNamespaces.size);
        } else {
          expect(code).toBe(1);
          expect(run.stdout()).toBe('');
          expect(run.stderr()).toMatch(/^error: /m);
        }
        const broken = specs.some((spec) => {
          const used = names.map((_, j) => j).filter((j) => (spec.sourceMask >> j) & 1);
          const indexes = used.length > 0 ? used : [0];
          const kinds = indexes.map((j) => sources[j]!);
          return kinds.some((k) => k !== 'good' && k !== 'conflict') || kinds.filter((k) => k === 'conflict').length > 1;
        });
        expect(code === 0).toBe(!broken);
      }),
      { numRuns: 150 },
    );
  });
});
