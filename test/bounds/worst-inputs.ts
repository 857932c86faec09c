// The most expensive inputs the limits still admit, built at run time (never committed: megabytes). Each shape is a
// valid app (an ImagePullSecret, its Namespace and source Secret) plus a bulk ConfigMap shaped to cost the most per
// token or per byte, grown until one more unit would cross a limit. The same bulk is laid out as an Argo CD app
// directory (cmp generate, render) and as a ResourceList on stdin (fn). Used by test/bounds/memory.test.ts and
// bench/input-bounds.bench.ts.
import { stringify } from 'yaml';
import { LIMITS, type Limits } from '../../src/io/limits.js';
import { ReadBudget } from '../../src/io/read-budget.js';
import { preflight } from '../../src/io/yaml-parse.js';

/** A valid app: one ImagePullSecret, its Namespace and its source Secret (input mode). */
export const BASE_DOCUMENTS: readonly string[] = [
  stringify({
    apiVersion: 'images.banzaicloud.io/v1alpha1',
    kind: 'ImagePullSecret',
    metadata: { name: 'pull' },
    spec: { registry: { credentials: [{ name: 'login', namespace: 'registry-access' }] }, target: { namespaces: { names: ['shop'] }, secret: { name: 'regcred' } } },
  }),
  stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }),
  stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'login', namespace: 'registry-access', annotations: { 'imps-krm.io/registry': 'ghcr.io', 'config.kubernetes.io/local-config': 'true' } },
    type: 'kubernetes.io/basic-auth',
    stringData: { username: 'bot', password: 'CANARY-worst-pw' },
  }),
];

/** What preflight charges for `text` (src/io/yaml-parse.ts). */
export function countTokens(text: string): number {
  const unlimited = Number.MAX_SAFE_INTEGER;
  const budget = new ReadBudget({ ...LIMITS, yamlTokens: unlimited, scalarBytes: unlimited, doubleQuotedBytes: unlimited });
  preflight(text, budget);
  return budget.tokens;
}

export type Face = 'files' | 'resource-list';

export interface WorstInput {
  readonly name: string;
  readonly description: string;
  /** The app directory: relative path -> content. */
  readonly files: Readonly<Record<string, string>>;
  /** The same documents as one ResourceList (kustomize's and kpt's way), settings `cluster: input`. */
  readonly resourceList: string;
}

interface Shape {
  readonly name: string;
  readonly description: string;
  /** YAML documents holding `units` of the costly shape. */
  readonly bulk: (units: number, limits: Limits) => string;
}

const configMap = (body: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bulk\ndata:\n${body}`;
const values = (units: number, value: (index: number) => string): string => configMap(Array.from({ length: units }, (_, i) => `  v${i}: ${value(i)}\n`).join(''));

const SHAPES: readonly Shape[] = [
  { name: 'baseline', description: 'the valid app alone (what every run costs)', bulk: () => configMap('  x: y\n') },
  { name: 'flow-ints', description: 'a flow sequence of one-digit numbers', bulk: (n) => configMap(`  x: [${'1,'.repeat(n)}1]\n`) },
  { name: 'block-seq', description: 'a block sequence of one-letter items', bulk: (n) => configMap(`  x:\n${'  - a\n'.repeat(n)}`) },
  { name: 'many-keys', description: 'one mapping with many one-digit values', bulk: (n) => values(n, () => '1') },
  {
    name: 'many-objects',
    description: 'many small ConfigMaps, each printed back',
    bulk: (n) => Array.from({ length: n }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}}\n`).join('---\n'),
  },
  {
    name: 'deep',
    description: 'empty flow sequences nested to the depth limit',
    bulk: (n, limits) => configMap(`  x: [${`${'['.repeat(limits.depth - 6)}${']'.repeat(limits.depth - 6)},`.repeat(n)}1]\n`),
  },
  { name: 'comments', description: 'comment lines', bulk: (n) => configMap(`${'#\n'.repeat(n)}  x: y\n`) },
  {
    name: 'double-quoted',
    description: 'double-quoted values at their length limit',
    bulk: (n, limits) => values(n, () => `"${'x'.repeat(limits.doubleQuotedBytes - 2)}"`),
  },
  {
    name: 'escapes',
    description: 'double-quoted values of \\t escapes at their length limit',
    bulk: (n, limits) => values(n, () => `"${'\\t'.repeat((limits.doubleQuotedBytes - 2) / 2)}"`),
  },
  { name: 'single-quoted', description: 'single-quoted values at the scalar limit', bulk: (n, limits) => values(n, () => `'${'x'.repeat(limits.scalarBytes - 2)}'`) },
  {
    name: 'two-byte',
    description: 'single-quoted values with a character outside Latin-1 (two bytes a character in memory)',
    bulk: (n, limits) => values(n, () => `'é${'x'.repeat(limits.scalarBytes - 4)}'`),
  },
  { name: 'plain-lines', description: 'multi-line plain values of one-letter lines', bulk: (n) => values(n, () => `x${'\n    x'.repeat(999)}`) },
  { name: 'block-lines', description: 'literal block values of one-letter lines', bulk: (n) => values(n, () => `|\n${'    x\n'.repeat(1000)}`) },
  {
    name: 'alias-bytes',
    description: 'one value at the scalar limit, aliased up to the expanded-bytes limit',
    bulk: (n, limits) => configMap(`  a: &a ${'x'.repeat(limits.scalarBytes - 2)}\n${Array.from({ length: n }, (_, i) => `  r${i}: *a\n`).join('')}`),
  },
];

/** `docs` (a YAML stream) as ResourceList items: each document indented under `- `. */
function asItems(docs: string): string {
  return docs
    .split(/^---\n/m)
    .filter((doc) => doc.trim() !== '')
    .map((doc) => doc.replace(/\n$/, '').split('\n').map((line, i) => (i === 0 ? `- ${line}` : line === '' ? '' : `  ${line}`)).join('\n'))
    .join('\n');
}

function assemble(bulk: string): { files: Record<string, string>; resourceList: string } {
  const files = Object.fromEntries(BASE_DOCUMENTS.map((doc, i) => [`base-${i}.yaml`, doc]));
  const resourceList = [
    'apiVersion: config.kubernetes.io/v1',
    'kind: ResourceList',
    'functionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: fn}, data: {cluster: input}}',
    'items:',
    asItems([...BASE_DOCUMENTS, bulk].join('---\n')),
    '',
  ].join('\n');
  return { files: { ...files, 'bulk.yaml': bulk }, resourceList };
}

/** Within every bound, with room for what a run adds (rounding, the other reads). */
function fits(text: string, limits: Limits): boolean {
  return countTokens(text) <= limits.yamlTokens - 200 && Buffer.byteLength(text) <= limits.inputBytes - 64 * 1024;
}

function expandedFits(shape: Shape, units: number, limits: Limits): boolean {
  if (shape.name !== 'alias-bytes') return true;
  return (units + 1) * limits.scalarBytes <= limits.expandedBytes - 64 * 1024 && units <= limits.aliases;
}

/** The largest number of units whose input (both layouts) stays within every limit: grow by doubling, then bisect. */
function largest(shape: Shape, limits: Limits): number {
  const ok = (units: number): boolean => {
    const { files, resourceList } = assemble(shape.bulk(units, limits));
    return expandedFits(shape, units, limits) && fits(Object.values(files).join('---\n'), limits) && fits(resourceList, limits);
  };
  if (shape.name === 'baseline' || !ok(1)) return shape.name === 'baseline' ? 0 : 1;
  let low = 1;
  let high = 2;
  while (ok(high)) [low, high] = [high, high * 2];
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (ok(middle)) low = middle;
    else high = middle;
  }
  return low;
}

export function worstInputs(limits: Limits = LIMITS, only?: string): WorstInput[] {
  return SHAPES.filter((shape) => only === undefined || shape.name.includes(only)).map((shape) => {
    const units = largest(shape, limits);
    return { name: shape.name, description: `${shape.description} (${units.toLocaleString('en-US')})`, ...assemble(shape.bulk(units, limits)) };
  });
}
