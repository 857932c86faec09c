import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  annotationKeyErrors,
  annotationsSizeError,
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  labelKeyErrors,
  labelValueErrors,
  nameOrGlobErrors,
} from '../../src/core/names.js';
import {
  ANNOTATIONS_MAX_BYTES,
  DNS1123_LABEL_PATTERN,
  DNS1123_SUBDOMAIN_PATTERN,
  LABEL_KEY_MAX_LENGTH,
  LABEL_KEY_PATTERN,
  LABEL_VALUE_PATTERN,
  NAME_OR_GLOB_PATTERN,
} from '../../src/validation/name-patterns.js';

const a = (n: number): string => 'a'.repeat(n);
const valid = (errors: string[]): boolean => errors.length === 0;
// Cases follow the tables of kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/util/validation/validation_test.go.

describe('dns1123LabelErrors (IsDNS1123Label: namespace names)', () => {
  it.each(['a', '0', 'ab', 'a-b', 'a--b', '1-2', '0123', a(63), `${a(31)}-${a(31)}`])('accepts %j', (name) => {
    expect(dns1123LabelErrors(name)).toEqual([]);
  });

  it.each([
    ['', ["must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"]],
    ['A1', ["must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"]],
    ['aBc', ["must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"]],
    ['-a', ["must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"]],
    ['a-', ["must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"]],
    ['a_b', ["must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"]],
    ['Bad_NS', ["must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"]],
    ['../etc', ["must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"]],
    ['a.b', ['must not contain dots']],
    [a(64), ['must be no more than 63 characters']],
    [`${a(64)}.b`, ['must be no more than 63 characters', 'must not contain dots']],
    ['é', ["must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"]],
  ])('refuses %j', (name, errors) => {
    expect(dns1123LabelErrors(name)).toEqual(errors);
  });

  it('counts bytes as Go does: 32 two-byte characters are 64 bytes', () => {
    expect(dns1123LabelErrors('é'.repeat(32))).toContain('must be no more than 63 characters');
  });
});

describe('dns1123SubdomainErrors (IsDNS1123Subdomain: Secret, ServiceAccount, ImagePullSecret names)', () => {
  // A subdomain has no per-label limit in Kubernetes: 253 letters without a dot are valid.
  it.each(['a', 'a.b', 'a-b.c-d', '0.1', `${a(63)}.${a(63)}`, a(253), `${a(125)}.${a(127)}`])('accepts %j', (name) => {
    expect(dns1123SubdomainErrors(name)).toEqual([]);
  });

  const rule = "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  it.each([
    ['', [rule]],
    ['a..b', [rule]],
    ['.a', [rule]],
    ['a.', [rule]],
    ['a.-b', [rule]],
    ['a-.b', [rule]],
    ['A.b', [rule]],
    ['Bad_Name', [rule]],
    ['a/b', [rule]],
    [a(254), ['must be no more than 253 characters']],
    [`${a(254)}_`, ['must be no more than 253 characters', rule]],
  ])('refuses %j', (name, errors) => {
    expect(dns1123SubdomainErrors(name)).toEqual(errors);
  });
});

describe('labelKeyErrors (IsQualifiedName: label keys, selector keys)', () => {
  it.each(['a', 'A', 'a/b', 'example.com/MyName', 'k8s.io/a_b.c-D', '1/2', a(63), `${a(253)}/${a(63)}`, 'a.b', 'a_b', 'A-B.c_D'])(
    'accepts %j',
    (key) => {
      expect(labelKeyErrors(key)).toEqual([]);
    },
  );

  const name = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  it.each([
    ['', ['name part must be non-empty', name]],
    ['/a', ['prefix part must be non-empty']],
    ['a/', ['name part must be non-empty', name]],
    ['a/b/c', ["must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]],
    [a(64), ['name part must be no more than 63 characters']],
    [`a/${a(64)}`, ['name part must be no more than 63 characters']],
    [`${a(254)}/a`, ['prefix part must be no more than 253 characters']],
    ['Example.com/a', ["prefix part must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"]],
    ['_a', [name]],
    ['a_', [name]],
    ['-a', [name]],
    ['a b', [name]],
    ['a:b', [name]],
  ])('refuses %j', (key, errors) => {
    expect(labelKeyErrors(key)).toEqual(errors);
  });
});

describe('labelValueErrors (IsValidLabelValue)', () => {
  it.each(['', 'a', 'A', '1', 'a_b.c-D', a(63), 'true'])('accepts %j', (value) => {
    expect(labelValueErrors(value)).toEqual([]);
  });

  const rule = "must be empty or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  it.each([
    [a(64), ['must be no more than 63 characters']],
    ['-a', [rule]],
    ['a-', [rule]],
    ['_', [rule]],
    ['a b', [rule]],
    ['a/b', [rule]],
    [`${a(64)} `, ['must be no more than 63 characters', rule]],
  ])('refuses %j', (value, errors) => {
    expect(labelValueErrors(value)).toEqual(errors);
  });
});

describe('annotationKeyErrors (ValidateAnnotations: a label key once lower-cased)', () => {
  it.each(['a', 'a/b', 'Example.COM/Foo', 'sidecar.istio.io/inject', 'KUBE.IO/x', '\u212a8s.io/x', '\u0130o/x'])('accepts %j', (key) => {
    expect(annotationKeyErrors(key)).toEqual([]);
  });

  it.each([['a b'], ['/a'], [`${a(254)}/a`], [a(64)], ['é.io/a'], ['a/b/c']])('refuses %j', (key) => {
    expect(annotationKeyErrors(key)).not.toEqual([]);
  });

  it('limits keys and values to 256 KiB together, in bytes', () => {
    expect(annotationsSizeError({ k: a(ANNOTATIONS_MAX_BYTES - 1) })).toBeUndefined();
    expect(annotationsSizeError({ k: a(ANNOTATIONS_MAX_BYTES) })).toBe('keys and values must be no more than 262144 bytes together');
    expect(annotationsSizeError({ k: 'é'.repeat(ANNOTATIONS_MAX_BYTES / 2) })).toBeDefined();
  });
});

describe('nameOrGlobErrors (excludeNamespaces)', () => {
  it.each(['kube-system', 'kube-*', '*', '?', '*-system', 'team-?', '-*', `${a(62)}*`])('accepts %j', (entry) => {
    expect(nameOrGlobErrors(entry)).toEqual([]);
  });

  it.each([['Kube-*'], ['a_*'], ['a.*'], [`${a(63)}*`], ['a.b'], ['../etc'], ['']])('refuses %j', (entry) => {
    expect(nameOrGlobErrors(entry)).not.toEqual([]);
  });
});

describe('messages never repeat the value', () => {
  it('holds for every rule on 2,000 random inputs that carry a marker', () => {
    const input = fc.tuple(fc.string({ maxLength: 40 }), fc.string({ maxLength: 300 })).map(([x, y]) => `${x}MARKER${y}`);
    fc.assert(
      fc.property(input, (value) => {
        const all = [
          ...dns1123LabelErrors(value),
          ...dns1123SubdomainErrors(value),
          ...labelKeyErrors(value),
          ...labelValueErrors(value),
          ...annotationKeyErrors(value),
          ...nameOrGlobErrors(value),
        ];
        return all.length > 0 && all.every((message) => !message.includes('MARKER'));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('the schema states the same rules', () => {
  const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../../schemas/image-pull-secret.schema.json'), 'utf8')) as {
    definitions: Record<string, { pattern?: string; maxLength?: number }>;
    properties: Record<string, unknown>;
  };
  const definitions = schema.definitions;

  it('uses the core patterns and limits', () => {
    expect(definitions['Dns1123Label']).toMatchObject({ pattern: DNS1123_LABEL_PATTERN, maxLength: 63 });
    expect(definitions['Dns1123Subdomain']).toMatchObject({ pattern: DNS1123_SUBDOMAIN_PATTERN, maxLength: 253 });
    expect(definitions['LabelKey']).toMatchObject({ pattern: LABEL_KEY_PATTERN, maxLength: LABEL_KEY_MAX_LENGTH });
    expect(definitions['LabelValue']).toMatchObject({ pattern: LABEL_VALUE_PATTERN, maxLength: 63 });
    expect(JSON.stringify(schema)).toContain(JSON.stringify(NAME_OR_GLOB_PATTERN));
  });

  // Strings near the rules: the characters that matter, lengths around every limit.
  const char = fc.constantFrom('a', 'z', '0', '9', '-', '.', '_', '/', 'A', 'Z', ' ', 'é', '*', '?');
  const near = fc.oneof(
    fc.string({ unit: char, maxLength: 12 }),
    fc.tuple(fc.string({ unit: char, maxLength: 3 }), fc.integer({ min: 58, max: 68 }), fc.string({ unit: char, maxLength: 3 })).map(([x, n, y]) => `${x}${a(n)}${y}`),
    fc.tuple(fc.integer({ min: 248, max: 258 }), fc.constantFrom('', '/a', `/${a(63)}`, `/${a(64)}`, '.b')).map(([n, tail]) => `${a(n)}${tail}`),
    fc.tuple(fc.integer({ min: 1, max: 130 }), fc.constantFrom('a.', 'a-', 'ab.', 'A.')).map(([n, unit]) => `${unit.repeat(n)}a`),
  );
  const ajv = new Ajv({ strict: false });
  const check = (definition: string) => ajv.compile({ ...definitions[definition], definitions });

  it.each([
    ['Dns1123Label', dns1123LabelErrors],
    ['Dns1123Subdomain', dns1123SubdomainErrors],
    ['LabelValue', labelValueErrors],
  ] as const)('%s: the schema and the core agree on 3,000 strings near the rules', (definition, core) => {
    const validate = check(definition);
    fc.assert(fc.property(near, (value) => validate(value) === valid(core(value))), { numRuns: 3_000 });
  });

  it('LabelKey: the schema refuses only what the core refuses, and misses only a prefix over 253 characters (3,000 strings)', () => {
    const validate = check('LabelKey');
    fc.assert(
      fc.property(near, (value) => {
        const errors = labelKeyErrors(value);
        if (valid(errors)) return validate(value) === true;
        return validate(value) === false || errors.every((error) => error === 'prefix part must be no more than 253 characters');
      }),
      { numRuns: 3_000 },
    );
  });

  it('excludeNamespaces entries: the schema and the core agree on 3,000 strings', () => {
    const validate = ajv.compile({ type: 'string', maxLength: 63, pattern: NAME_OR_GLOB_PATTERN });
    fc.assert(fc.property(near, (value) => validate(value) === valid(nameOrGlobErrors(value))), { numRuns: 3_000 });
  });
});
