// Strings that a YAML 1.1 reader (PyYAML, Ansible, yamllint) would take for another type must come out quoted from
// every YAML writer: the plain stream (render, cmp), the ResourceList (fn) including edited items, and the legacy
// plugin's Documents. Checked with the yaml library in 1.1 mode and, when the machine has it, PyYAML itself.
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Document, parse, parseAllDocuments } from 'yaml';
import { parseResourceList, writeResourceList, YAML_OPTIONS } from '../../src/faces/krm/resource-list.js';
import { toYamlStream, YAML_SCHEMA } from '../../src/io/yaml-output.js';
import { ReadBudget } from '../../src/io/read-budget.js';

/** Each would be read as a timestamp, bool, int, float, null, merge key or PyYAML `value` by a YAML 1.1 parser. */
const LOOK_ALIKES = [
  '2026-11-29T22:29:50Z', '2026-11-29', '2026-1-2 3:04:05', '2001-12-14t21:59:43.10-05:00',
  'yes', 'no', 'on', 'off', 'y', 'n', 'Y', 'N', 'Yes', 'NO', 'On', 'OFF', 'true', 'False',
  '0755', '1_000', '0x1f', '0b101', '+12', '1:20', '190:20:30', '1:20.5', '.5', '1.', '-.5', '1.2e+3', '.inf', '-.Inf', '.NaN',
  '~', 'null', 'Null', '', '<<', '=', 'a\tb',
];

/** Characters that make up YAML 1.1 scalars of other types, and some that make plain scalars impossible. */
const yamlish = fc.string({ unit: fc.constantFrom(...'0123456789_:.-+eEbxoTtZ YyNnOoFfAaLlSsUu~=<>!&*%@#,[]{}|\'"\\\n\tinINFaNn'.split('')), maxLength: 12 });
const shaped = fc.oneof(
  fc.constantFrom(...LOOK_ALIKES),
  yamlish,
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.date({ noInvalidDate: true, min: new Date('0001-01-01'), max: new Date('9999-12-31') }).map((date) => date.toISOString()),
  fc.date({ noInvalidDate: true, min: new Date('0001-01-01'), max: new Date('9999-12-31') }).map((date) => date.toISOString().slice(0, 10)),
  fc.tuple(fc.integer({ min: 0, max: 99_999 }), fc.constantFrom('', '0', '_', ':', '.', '0x', '0b', '+', '-', '.')).map(([n, mark]) => `${mark}${n}`.replace(/^(\d)(\d)/, `$1${mark === '_' ? '_' : ''}$2`)),
);

const asYaml11 = (text: string): unknown[] => parseAllDocuments(text, { version: '1.1' }).map((doc) => doc.toJS());

describe('YAML output quotes what YAML 1.1 would read as another type', () => {
  it('the look-alikes: quoted as values and as keys; other values print as before', () => {
    const out = toYamlStream([{ values: LOOK_ALIKES, keys: Object.fromEntries(LOOK_ALIKES.map((text) => [text, text])) }]);
    expect(asYaml11(out)).toEqual([{ values: LOOK_ALIKES, keys: Object.fromEntries(LOOK_ALIKES.map((text) => [text, text])) }]);
    expect(toYamlStream([{ a: 1, b: true, c: null, d: 'plain text', e: 'imps-krm' }])).toBe('a: 1\nb: true\nc: null\nd: plain text\ne: imps-krm\n');
    expect(toYamlStream([{ metadata: { annotations: { 'imps-krm.io/expires-at': '2026-11-29T22:29:50Z' } } }])).toContain('imps-krm.io/expires-at: "2026-11-29T22:29:50Z"\n');
  });

  it('property: any string, as a value or a key, reads back as that string in YAML 1.1 and 1.2', () => {
    fc.assert(
      fc.property(fc.array(shaped, { minLength: 1, maxLength: 6 }), (strings) => {
        const object = { values: strings, keys: Object.fromEntries(strings.map((text) => [text, text])) };
        const out = toYamlStream([object]);
        expect(asYaml11(out)).toEqual([object]);
        expect(parse(out)).toEqual(object);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: a ResourceList with an edited and an added item (fn), unchanged items byte for byte', () => {
    const input = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- kind: Untouched\n  when: 2026-11-29\n  ok: yes\n- kind: Edited\n  data: {}\n';
    fc.assert(
      fc.property(fc.array(shaped, { minLength: 1, maxLength: 4 }), (strings) => {
        const list = parseResourceList(input, new ReadBudget());
        if ('error' in list) throw new Error(list.error);
        if ('problem' in list) throw new Error(list.problem.message);
        const edited = list.items.items[1] as unknown as { set(key: string, value: unknown): void };
        edited.set('data', list.doc.createNode(Object.fromEntries(strings.map((text, i) => [`k${i}`, text]))));
        list.items.items.push(list.doc.createNode({ kind: 'Added', values: strings }) as never);
        const out = writeResourceList(list, []);
        expect(out.startsWith('apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- kind: Untouched\n  when: 2026-11-29\n  ok: yes\n')).toBe(true);
        const items = (asYaml11(out)[0] as { items: unknown[] }).items;
        expect(items.slice(1)).toEqual([{ kind: 'Edited', data: Object.fromEntries(strings.map((text, i) => [`k${i}`, text])) }, { kind: 'Added', values: strings }]);
      }),
      { numRuns: 500 },
    );
  });

  it('a JSON ResourceList and results are written with the same quoting', () => {
    const list = parseResourceList(JSON.stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [{ kind: 'A', on: 'off', at: '2026-11-29T22:29:50Z' }] }), new ReadBudget());
    if ('error' in list) throw new Error(list.error);
    if ('problem' in list) throw new Error(list.problem.message);
    const out = writeResourceList(list, [{ message: 'yes', severity: 'info' }]);
    expect(asYaml11(out)).toEqual([{ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [{ kind: 'A', on: 'off', at: '2026-11-29T22:29:50Z' }], results: [{ message: 'yes', severity: 'info' }] }]);
    expect(new Document({ x: 'no' }, YAML_SCHEMA).toString(YAML_OPTIONS)).toBe('x: "no"\n');
  });

  // PyYAML is the reader people meet (Ansible, yamllint): run it too where python3 has it.
  const pyyaml = hasPyYaml();
  it.skipIf(!pyyaml)('property: PyYAML safe_load reads every string back (skipped without python3 and PyYAML)', () => {
    const samples = [...LOOK_ALIKES, ...fc.sample(shaped, { numRuns: 2000, seed: 20261129 })];
    const stream = toYamlStream(samples.map((text) => ({ v: text, [text]: 'k' })));
    const script = 'import sys, json, yaml\njson.dump(list(yaml.safe_load_all(sys.stdin.read())), sys.stdout, default=str)';
    const back = JSON.parse(execFileSync('python3', ['-c', script], { input: stream, maxBuffer: 64 << 20 }).toString()) as unknown[];
    expect(back).toEqual(samples.map((text) => ({ v: text, [text]: 'k' })));
  });
});

function hasPyYaml(): boolean {
  try {
    execFileSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
