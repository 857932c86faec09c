// Every object a face writes into its output (the golden `expected.yaml` / `expected.json` of render, the KRM
// function and the Argo CD plugin: the Secrets it renders, the ServiceAccounts it patches) is one a real API server
// accepts: each is created on the strict fake with dryRun=All. Objects passed through from the input are the user's. A shell without data, an invalid label or name in an output fails here, before a user's
// `kubectl apply` or Argo CD sync does.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { type FakeKubeApi, type KubeObject, RESOURCES, startFakeKubeApi } from '../fakes/kube-api-server.js';
import { isRecord } from '../../src/core/records.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const FACES = ['render', 'render-providers', 'fn', 'cmp'];

interface Found {
  file: string;
  objects: KubeObject[];
}

const isObject = isRecord;

function objectsIn(value: unknown): KubeObject[] {
  if (Array.isArray(value)) return value.flatMap(objectsIn);
  if (!isObject(value)) return [];
  if (value.kind === 'ResourceList' || value.kind === 'List') return objectsIn(value.items);
  return typeof value.apiVersion === 'string' && typeof value.kind === 'string' && isObject(value.metadata) ? [value as unknown as KubeObject] : [];
}

function expectedOutputs(): Found[] {
  const found: Found[] = [];
  for (const face of FACES) {
    for (const name of readdirSync(join(FIXTURES, face)).sort()) {
      for (const file of ['expected.yaml', 'expected.json']) {
        let text: string;
        try {
          text = readFileSync(join(FIXTURES, face, name, file), 'utf8');
        } catch {
          continue;
        }
        const docs = file.endsWith('.json') ? [JSON.parse(text) as unknown] : YAML.parseAllDocuments(text).map((d) => d.toJS() as unknown);
        found.push({ file: `${face}/${name}/${file}`, objects: docs.flatMap(objectsIn) });
      }
    }
  }
  return found;
}

const served = (o: KubeObject) => RESOURCES.find((d) => (d.group === '' ? d.version : `${d.group}/${d.version}`) === o.apiVersion && d.kind === o.kind);
const written = (o: KubeObject): boolean => served(o) !== undefined && (o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'imps-krm' || o.kind === 'ServiceAccount');

describe('golden outputs are accepted by a (strict) API server', () => {
  let fake: FakeKubeApi;
  beforeAll(async () => {
    fake = await startFakeKubeApi();
  });
  afterAll(async () => {
    await fake.close();
  });

  const outputs = expectedOutputs();
  it('finds the golden outputs, shells among them', () => {
    const secrets = outputs.flatMap((o) => o.objects).filter((o) => o.kind === 'Secret');
    expect(secrets.length).toBeGreaterThan(20);
    expect(secrets.some((s) => s.metadata.annotations?.['imps-krm.io/refresher-managed'] === 'true')).toBe(true);
  });

  it.each(outputs.filter((o) => o.objects.some(written)).map((o) => [o.file, o] as const))('%s', async (_file, found) => {
    const refused: string[] = [];
    for (const [index, obj] of found.objects.entries()) {
      const def = served(obj);
      if (!def || !written(obj)) continue;
      const namespace = def.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
      if (namespace && !fake.get('v1', 'Namespace', namespace)) fake.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
      const base = def.group === '' ? `/api/${def.version}` : `/apis/${def.group}/${def.version}`;
      const path = `${base}${namespace ? `/namespaces/${namespace}` : ''}/${def.plural}?dryRun=All`;
      const res = await fetch(fake.url + path, { method: 'POST', headers: { Authorization: 'Bearer fake-token', 'Content-Type': 'application/json' }, body: JSON.stringify(obj) });
      if (res.status !== 201) refused.push(`object ${index} (${obj.kind} ${obj.metadata.name}): ${res.status} ${String(((await res.json()) as { message?: string }).message)}`);
    }
    expect(refused).toEqual([]);
  });
});
