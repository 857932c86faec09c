// The most expensive inputs the limits still admit, built at run time (never committed: megabytes). Each shape is a
// valid app (an ImagePullSecret, its Namespace and source Secret) plus bulk ConfigMaps shaped to cost the most per
// token or per byte, grown until one more unit would cross a limit. The bulk is laid out as an Argo CD app directory
// (cmp generate, render: as many documents as the run admits, each as large as a document may be) and as a
// ResourceList on stdin (fn: one document, kept whole). Used by test/bounds/memory.test.ts and
// bench/input-bounds.bench.ts.
import { LIMITS, type Limits } from '../../src/io/limits.js';
import { countTokens as countAll } from '../../src/io/yaml-parse.js';
import { validAppDocuments } from '../support/builders.js';

/** A valid app: one ImagePullSecret, its Namespace and its source Secret (input mode). */
export const BASE_DOCUMENTS: readonly string[] = validAppDocuments('CANARY-worst-pw', { 'config.kubernetes.io/local-config': 'true' });

/** What the reader charges for `text` (src/io/yaml-parse.ts). */
export const countTokens = countAll;

export type Face = 'files' | 'resource-list';

export interface WorstInput {
  readonly name: string;
  readonly description: string;
  /** How many units the app directory holds (`3 documents of 33,000`), and the ResourceList. */
  readonly filesDescription: string;
  readonly resourceListDescription: string;
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
  { name: 'flow-empty', description: 'a flow sequence of empty flow sequences', bulk: (n) => configMap(`  x: [${'[],'.repeat(n)}1]\n`) },
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

const baseFiles = (): Record<string, string> => Object.fromEntries(BASE_DOCUMENTS.map((doc, i) => [`base-${i}.yaml`, doc]));

function resourceListOf(bulk: string): string {
  return [
    'apiVersion: config.kubernetes.io/v1',
    'kind: ResourceList',
    'functionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: fn}, data: {cluster: input}}',
    'items:',
    asItems([...BASE_DOCUMENTS, bulk].join('---\n')),
    '',
  ].join('\n');
}

/** Room left for what a run adds (rounding, the other reads). */
const TOKEN_MARGIN = 200;
const BYTE_MARGIN = 64 * 1024;

/** For the alias shape: every document's value and its aliases, expanded, within the run's expanded bytes. */
function expandedFits(shape: Shape, unitsPerDocument: readonly number[], limits: Limits): boolean {
  if (shape.name !== 'alias-bytes') return true;
  const values = unitsPerDocument.reduce((sum, units) => sum + units + 1, 0);
  return values * limits.scalarBytes <= limits.expandedBytes - BYTE_MARGIN && unitsPerDocument.every((units) => units <= limits.aliases);
}

/** The largest `n` (at least 1) for which `ok(n)` holds, `ok` being monotone: grow by doubling, then bisect. */
function largest(ok: (n: number) => boolean): number {
  if (!ok(1)) return 1;
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

const bytes = (texts: readonly string[]): number => texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
const tokens = (texts: readonly string[]): number => texts.reduce((sum, text) => sum + countTokens(text), 0);

/**
 * The app directory: as many documents as the run's bounds admit, each holding as many units as one document may.
 * render and cmp generate drop each document's syntax tree once it is converted, so what one document may hold and
 * what the run may hold are separate bounds, and the worst input fills both.
 */
function filesLayout(shape: Shape, limits: Limits): { files: Record<string, string>; units: number; copies: number; rest: number } {
  const base = Object.values(baseFiles());
  const single = (units: number): string => shape.bulk(units, limits);
  const units =
    shape.name === 'baseline'
      ? 0
      : largest((n) => {
          const doc = single(n);
          return countTokens(doc) <= limits.documentTokens - TOKEN_MARGIN && bytes([...base, doc]) <= limits.inputBytes - BYTE_MARGIN && expandedFits(shape, [n], limits);
        });
  const doc = single(units);
  const docTokens = countTokens(doc);
  const docBytes = Buffer.byteLength(doc);
  const room = { tokens: limits.inputTokens - TOKEN_MARGIN - tokens(base), bytes: limits.inputBytes - BYTE_MARGIN - bytes(base) };
  const copies =
    shape.name === 'baseline'
      ? 1
      : largest((k) => k * (docTokens + 4) <= room.tokens && k * (docBytes + 4) <= room.bytes && expandedFits(shape, Array<number>(k).fill(units), limits));
  // Each copy is its own object (a name of its own), as separate manifests would be; what room is left takes one
  // more, smaller document.
  const named = (text: string, k: number): string => (k === 0 ? text : text.replace('name: bulk', `name: bulk-${k}`));
  const docs = Array.from({ length: copies }, (_, k) => named(doc, k));
  const left = { tokens: room.tokens - copies * (docTokens + 4), bytes: room.bytes - copies * (docBytes + 4) };
  const withRest = (n: number): number[] => [...Array<number>(copies).fill(units), n];
  const rest = shape.name === 'baseline' ? 0 : largest((n) => countTokens(single(n)) <= left.tokens && Buffer.byteLength(single(n)) <= left.bytes && expandedFits(shape, withRest(n), limits));
  const extra = named(single(rest), copies);
  const fitsExtra = countTokens(extra) <= left.tokens && Buffer.byteLength(extra) <= left.bytes && expandedFits(shape, withRest(rest), limits);
  if (shape.name !== 'baseline' && fitsExtra) docs.push(extra);
  return { files: { ...baseFiles(), 'bulk.yaml': docs.join('---\n') }, units, copies: docs.length, rest: fitsExtra ? rest : 0 };
}

/** The ResourceList: one document kept whole by fn, so the bound is the run's retained tokens. */
function resourceListLayout(shape: Shape, limits: Limits): { resourceList: string; units: number } {
  const units =
    shape.name === 'baseline'
      ? 0
      : largest((n) => {
          const list = resourceListOf(shape.bulk(n, limits));
          return countTokens(list) <= limits.retainedTokens - TOKEN_MARGIN && Buffer.byteLength(list) <= limits.inputBytes - BYTE_MARGIN && expandedFits(shape, [n], limits);
        });
  return { resourceList: resourceListOf(shape.bulk(units, limits)), units };
}

export function worstInputs(limits: Limits = LIMITS, only?: string): WorstInput[] {
  return SHAPES.filter((shape) => only === undefined || shape.name.includes(only)).map((shape) => {
    const files = filesLayout(shape, limits);
    const list = resourceListLayout(shape, limits);
    const count = (n: number): string => n.toLocaleString('en-US');
    return {
      name: shape.name,
      description: shape.description,
      filesDescription:
        files.copies === 1 ? count(files.units) : files.rest > 0 ? `${count(files.copies - 1)} x ${count(files.units)} + ${count(files.rest)}` : `${count(files.copies)} x ${count(files.units)}`,
      resourceListDescription: count(list.units),
      files: files.files,
      resourceList: list.resourceList,
    };
  });
}
