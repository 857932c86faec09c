// Arbitrary values shaped by the project's JSON Schemas (schemas/*.json, the source of truth for every input object),
// then mutated: most generated values are valid or nearly so, which is what reaches the deep code paths, and the
// mutations (a key dropped, a value of another type, an unknown key, text that is not what the pattern wants) are
// what finds the holes. Credential-like fields always carry a canary.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { REPO } from '../e2e/cli-on-path.js';

export type JsonSchema = { readonly [key: string]: unknown };

export function loadSchema(file: string): JsonSchema {
  return JSON.parse(readFileSync(join(REPO, 'schemas', file), 'utf8')) as JsonSchema;
}

/** Fields whose values are credentials: a canary goes into every one of them. */
export const CREDENTIAL_FIELDS = new Set(['password', 'secretKey', 'sessionToken', 'clientSecret', 'serviceAccountKey', 'identitytoken', 'token', 'auth']);

/**
 * Replaced per input by numbered canaries (yaml-text.ts plantCanaries). Private-use characters: JSON.stringify and
 * YAML printing leave them as they are.
 */
export const CANARY_MARK = '\uE0FFCANARY\uE0FF';

const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
const oddText = fc.oneof(
  fc.string({ maxLength: 16 }),
  // Never \uE000-\uE005: apps.ts's finish() uses them as markers.
  fc.string({ unit: 'grapheme', maxLength: 8 }).map((text) => text.replace(/[\uE000-\uE005]/g, '\uFFFD')),
  fc.constantFrom('', ' ', '*', '..', '../x', '/etc/passwd', 'a'.repeat(300), 'A1', '-a', 'a-', 'UPPER', 'a_b', 'é', '\u0000', '\n', '\u202e', '9'.repeat(30)),
);

function resolveRef(ref: string, root: JsonSchema): JsonSchema {
  const path = ref.replace(/^#\//, '').split('/');
  let node: unknown = root;
  for (const part of path) node = (node as Record<string, unknown>)[part];
  return node as JsonSchema;
}

/** An arbitrary for `schema` (a node of `root`). `field` is the property name it sits under, for credentials. */
export function fromSchema(schema: JsonSchema, root: JsonSchema, field = '', depth = 0): fc.Arbitrary<unknown> {
  if (typeof schema['$ref'] === 'string') return fromSchema(resolveRef(schema['$ref'], root), root, field, depth);
  if ('const' in schema) return fc.constant(schema['const']);
  if (Array.isArray(schema['enum'])) return fc.constantFrom(...(schema['enum'] as unknown[]));
  const anyOf = (schema['anyOf'] ?? schema['oneOf']) as JsonSchema[] | undefined;
  if (anyOf && !schema['type'] && !schema['properties']) return fc.oneof(...anyOf.map((option) => fromSchema(option, root, field, depth + 1)));
  const type = schema['type'] ?? (schema['properties'] ? 'object' : undefined);
  switch (type) {
    case 'string': {
      if (CREDENTIAL_FIELDS.has(field)) return fc.oneof(word, oddText).map((text) => `${text}${CANARY_MARK}`);
      const maxLength = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : 40;
      if (typeof schema['pattern'] === 'string') {
        return fc.stringMatching(new RegExp(schema['pattern'])).filter((text) => text.length <= maxLength && text.length >= Number(schema['minLength'] ?? 0));
      }
      return fc.oneof({ weight: 4, arbitrary: word }, { weight: 1, arbitrary: oddText }).filter((text) => text.length >= Number(schema['minLength'] ?? 0));
    }
    case 'integer':
      return fc.integer({ min: typeof schema['minimum'] === 'number' ? schema['minimum'] : -5, max: 1_000_000 });
    case 'number':
      return fc.double({ noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const items = schema['items'] as JsonSchema | undefined;
      if (!items || depth > 10) return fc.constant([]);
      return fc.array(fromSchema(items, root, field, depth + 1), {
        minLength: Number(schema['minItems'] ?? 0),
        maxLength: Math.min(Number(schema['maxItems'] ?? 3), 3),
      });
    }
    case 'object': {
      if (depth > 10) return fc.constant({});
      const properties = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
      const required = new Set((schema['required'] ?? []) as string[]);
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, sub] of Object.entries(properties)) shape[name] = fromSchema(sub, root, name, depth + 1);
      const plain = fc.record(shape, { requiredKeys: [...required].filter((name) => name in shape) });
      const record = conditional(schema, root, plain, depth);
      const extra = schema['additionalProperties'];
      if (extra && typeof extra === 'object') {
        return fc.tuple(record, fc.dictionary(word, fromSchema(extra as JsonSchema, root, field, depth + 1), { maxKeys: 3 })).map(([known, more]) => ({ ...more, ...known }));
      }
      return record;
    }
    default:
      return fc.oneof(word, fc.integer(), fc.boolean(), fc.constant(null));
  }
}

/** `arbitrary` once in `n` draws, else undefined (fc.option's `freq` is the other way round: nil once in `freq`). */
export function onceIn<T>(n: number, arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: n - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
}

/** Whether `value` meets the `if` of a schema: the `properties` (with `const` or `enum`) and `required` it lists. */
function meets(condition: JsonSchema, value: Record<string, unknown>): boolean {
  for (const name of (condition['required'] ?? []) as string[]) if (!(name in value)) return false;
  for (const [name, sub] of Object.entries((condition['properties'] ?? {}) as Record<string, JsonSchema>)) {
    if (!(name in value)) continue;
    if ('const' in sub && value[name] !== sub['const']) return false;
    if (Array.isArray(sub['enum']) && !sub['enum'].includes(value[name])) return false;
  }
  return true;
}

/**
 * `if`/`then`/`else` (also inside `allOf`), as the schemas use them: the branch that applies adds required
 * properties and bounds on an array's length. Enough for SelectorRequirement (values by operator) and ACR (a
 * service principal's keys).
 */
function conditional(schema: JsonSchema, root: JsonSchema, plain: fc.Arbitrary<Record<string, unknown>>, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const rules = [schema, ...((schema['allOf'] ?? []) as JsonSchema[])].filter((rule) => rule['if']);
  if (rules.length === 0) return plain;
  const properties = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
  return plain.chain((value) => {
    const fixes: Array<fc.Arbitrary<[string, unknown]>> = [];
    const drop: string[] = [];
    for (const rule of rules) {
      const branch = (meets(rule['if'] as JsonSchema, value) ? rule['then'] : rule['else']) as JsonSchema | undefined;
      if (!branch) continue;
      for (const name of (branch['required'] ?? []) as string[]) if (!(name in value) && properties[name]) fixes.push(fromSchema(properties[name], root, name, depth + 1).map((v) => [name, v]));
      for (const [name, sub] of Object.entries((branch['properties'] ?? {}) as Record<string, JsonSchema>)) {
        if (sub['maxItems'] === 0) drop.push(name);
        if (typeof sub['minItems'] === 'number' && properties[name]) {
          const items = (properties[name]['items'] ?? {}) as JsonSchema;
          fixes.push(fc.array(fromSchema(items, root, name, depth + 2), { minLength: sub['minItems'], maxLength: 3 }).map((v) => [name, v]));
        }
      }
    }
    const base = Object.fromEntries(Object.entries(value).filter(([name]) => !drop.includes(name)));
    return fixes.length === 0 ? fc.constant(base) : fc.tuple(...fixes).map((entries) => ({ ...base, ...Object.fromEntries(entries) }));
  });
}

type Mutation =
  | { readonly op: 'delete'; readonly at: number }
  | { readonly op: 'replace'; readonly at: number; readonly value: unknown }
  | { readonly op: 'add'; readonly at: number; readonly key: string; readonly value: unknown };

const strangeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  // No canary here: a mutation may land on a name, which messages cite by design.
  oddText,
  fc.constant([]),
  fc.constant({}),
  fc.array(word, { maxLength: 3 }),
  fc.dictionary(word, word, { maxKeys: 2 }),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  { weight: 2, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: strangeValue }) },
  fc.record({ op: fc.constant('add' as const), at: fc.nat(), key: fc.oneof(word, oddText), value: strangeValue }),
);

/** Every path to a value inside `value` (objects and arrays), root first. */
function paths(value: unknown, at: Array<string | number> = [], into: Array<Array<string | number>> = []): Array<Array<string | number>> {
  into.push(at);
  if (Array.isArray(value)) value.forEach((item, i) => paths(item, [...at, i], into));
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) paths(item, [...at, key], into);
  return into;
}

function applyMutation(value: unknown, edit: Mutation): unknown {
  // fc.constant values are shared between draws: a copy, or two places would hold one (growing) object.
  const m = 'value' in edit ? { ...edit, value: structuredClone(edit.value) } : edit;
  const all = paths(value);
  const path = all[m.at % all.length]!;
  if (path.length === 0) return m.op === 'replace' ? m.value : value;
  const parent = path.slice(0, -1).reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], value) as Record<string | number, unknown> | unknown[];
  const key = path.at(-1)!;
  if (m.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key as string];
  } else if (m.op === 'replace') {
    (parent as Record<string | number, unknown>)[key] = m.value;
  } else {
    const target = (parent as Record<string | number, unknown>)[key];
    if (target && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, unknown>)[m.key] = m.value;
    else if (Array.isArray(target)) target.push(m.value);
  }
  return value;
}

/** `base`, as generated (`keep` times in `keep + 1`), or mutated by one to three edits. */
export function mutated<T>(base: fc.Arbitrary<T>, keep = 1): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: keep, arbitrary: base },
    { weight: 1, arbitrary: fc.tuple(base, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([value, edits]) => edits.reduce<unknown>((node, edit) => applyMutation(node, edit), structuredClone(value))) },
  );
}
