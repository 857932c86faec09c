// The Argo CD `ignoreDifferences` recipe for shells (docs/argocd.md, argocd-cmp/application.yaml) against what the
// controller really writes into a shell: every field its patches touch, and every field where the filled shell
// differs from the rendered one, is under one of the recipe's jsonPointers. Otherwise Argo CD would show the
// Application OutOfSync forever, and a sync would put the empty config back.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { renderPullSecrets } from '../../src/core/render.js';
import type { ImagePullSecret } from '../../src/generated/image-pull-secret.js';
import type { KubeObject } from '../fakes/kube-api-server.js';
import { ecrSource, imps, ns, startRig, waitFor, type Rig } from './harness.js';

const ROOT = join(import.meta.dirname, '..', '..');

interface Recipe {
  pointers: string[];
  syncOptions: string[];
}

/** The Secret entries of `spec.ignoreDifferences` and the sync options of an Application (or its `spec` snippet). */
function recipeOf(doc: unknown): Recipe {
  const spec = (doc as { spec?: Record<string, unknown> }).spec ?? {};
  const entries = (spec.ignoreDifferences ?? []) as { group?: string; kind?: string; jsonPointers?: string[] }[];
  const pointers = entries.filter((e) => (e.group ?? '') === '' && e.kind === 'Secret').flatMap((e) => e.jsonPointers ?? []);
  const syncOptions = ((spec.syncPolicy as { syncOptions?: string[] } | undefined)?.syncOptions ?? []).map(String);
  return { pointers, syncOptions };
}

function recipesInDocs(): Recipe[] {
  const docs = readFileSync(join(ROOT, 'docs', 'argocd.md'), 'utf8');
  const blocks = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').filter((b) => b.includes('ignoreDifferences'));
  const application = YAML.parse(readFileSync(join(ROOT, 'argocd-cmp', 'application.yaml'), 'utf8')) as unknown;
  return [...blocks.map((b) => recipeOf(YAML.parse(b))), recipeOf(application)];
}

const escape = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The JSON pointers of the leaves a merge patch sets or removes. */
function patchPointers(patch: unknown, prefix = ''): string[] {
  if (!isObject(patch)) return [prefix];
  return Object.entries(patch).flatMap(([k, v]) => patchPointers(v, `${prefix}/${escape(k)}`));
}

/** Where two objects differ, as JSON pointers to the outermost differing values. */
function diffPointers(a: unknown, b: unknown, prefix = ''): string[] {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffPointers(a[k], b[k], `${prefix}/${escape(k)}`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
}

/** Fields the API server owns: never in git, and Argo CD never diffs them. */
const SERVER_FIELDS = ['/metadata/resourceVersion', '/metadata/uid', '/metadata/creationTimestamp', '/metadata/generation', '/metadata/managedFields'];
const covered = (pointer: string, pointers: readonly string[]): boolean => pointers.some((p) => pointer === p || pointer.startsWith(`${p}/`));

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('the Argo CD ignoreDifferences recipe for shells', () => {
  it('is the same in the docs and in the example Application, and respected on sync', () => {
    const recipes = recipesInDocs();
    expect(recipes.length).toBeGreaterThanOrEqual(2);
    for (const recipe of recipes) {
      expect(recipe.pointers.sort()).toEqual(['/data', '/metadata/annotations/imps-krm.io~1expires-at']);
      expect(recipe.syncOptions).toContain('RespectIgnoreDifferences=true');
    }
  });

  it('covers every field the controller writes into a shell, at fill and at renewal', async () => {
    const cr = imps('pull', { registry: { credentials: [{ namespace: 'creds', name: 'ecr' }] }, target: { secret: { name: 'regcred' }, namespaces: { names: ['app'] } } });
    // What Argo CD applies: the plugin's render with output: shells, plus the label Argo CD adds.
    const [rendered] = renderPullSecrets(cr as unknown as ImagePullSecret, ['app'], { auths: {} }, 'shells');
    const shell = { ...rendered, metadata: { ...rendered!.metadata, labels: { ...rendered!.metadata.labels, 'argocd.argoproj.io/instance': 'shop' } } } as unknown as KubeObject;
    rig = await startRig([ns('default'), ns('creds'), ns('app'), ecrSource('creds', 'ecr'), cr, shell]);
    const { kube, timers } = rig;
    const path = '/api/v1/namespaces/app/secrets/regcred';
    const writes = () => kube.requests.filter((r) => r.path === path && r.method !== 'GET');
    const annotation = () => kube.get('v1', 'Secret', 'regcred', 'app')?.metadata.annotations?.['imps-krm.io/expires-at'];
    await waitFor(() => annotation());
    const firstExpiry = annotation();
    timers.advance(6 * 3600_000 + 1000); // ECR tokens live 12 h: renewed at half their lifetime
    await waitFor(() => annotation() !== firstExpiry && annotation());

    const pointers = recipesInDocs()[0]!.pointers;
    expect(writes().map((w) => w.method)).toEqual(['PATCH', 'PATCH']); // patches only: never a PUT over the shell
    const touched = [...new Set(writes().flatMap((w) => patchPointers(w.body)))].filter((p) => !SERVER_FIELDS.includes(p)).sort();
    expect(touched).toEqual(['/data/.dockerconfigjson', '/metadata/annotations/imps-krm.io~1expires-at']);
    expect(touched.filter((p) => !covered(p, pointers))).toEqual([]);

    const live = kube.get('v1', 'Secret', 'regcred', 'app')!;
    const drift = diffPointers(shell, live).filter((p) => !SERVER_FIELDS.includes(p));
    expect(drift.sort()).toEqual(['/data/.dockerconfigjson', '/metadata/annotations/imps-krm.io~1expires-at']);
    expect(drift.filter((p) => !covered(p, pointers))).toEqual([]);
  });
});
