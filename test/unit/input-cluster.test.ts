import { describe, expect, it } from 'vitest';
import { inputNamespaceProblems } from '../../src/adapters/input-cluster.js';
import { formatProblem } from '../../src/core/problems.js';
import type { InputDocument } from '../../src/io/documents.js';

const doc = (value: unknown, index = 0): InputDocument => ({ value, origin: { path: 'in.yaml', index } });
const namespace = (name: unknown, index = 0) => doc({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, index);
const inNamespace = (kind: string, name: string, ns: unknown, index = 0) => doc({ apiVersion: 'v1', kind, metadata: { name, namespace: ns } }, index);
const lines = (documents: InputDocument[]): string[] => inputNamespaceProblems(documents).map(formatProblem);
const RULE = "must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";

describe('inputNamespaceProblems: namespaces made from input manifests follow IsDNS1123Label', () => {
  it('accepts valid namespaces, cluster-scoped objects, and ignores what inputCluster ignores', () => {
    expect(
      lines([
        namespace('app'),
        namespace('a'.repeat(63)),
        inNamespace('ConfigMap', 'cm', 'app'),
        doc({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'Node_1' } }),
        inNamespace('ConfigMap', 'cm', ''),
        inNamespace('ConfigMap', 'cm', 42),
        doc('not an object'),
        doc({ kind: 'Namespace' }),
      ]),
    ).toEqual([]);
  });

  it('refuses a Namespace named Bad_NS, a 64-character one, one with dots; the name itself is not repeated', () => {
    expect(lines([namespace('Bad_NS', 1), namespace('a'.repeat(64), 2), namespace('a.b', 3)])).toEqual([
      `error: in.yaml#1: metadata.name: invalid namespace name: ${RULE}`,
      'error: in.yaml#2: metadata.name: invalid namespace name: must be no more than 63 characters',
      'error: in.yaml#3: metadata.name: invalid namespace name: must not contain dots',
    ]);
  });

  it('refuses objects in an invalid namespace, naming the object when its name is a valid name', () => {
    expect(lines([inNamespace('Secret', 'src', '../etc', 1), inNamespace('Pod', `${'x'.repeat(300)}CANARY`, 'Team-A', 2)])).toEqual([
      `error: Secret/src (in.yaml#1): metadata.namespace: invalid namespace name: ${RULE}`,
      `error: in.yaml#2: metadata.namespace: invalid namespace name: ${RULE}`,
    ]);
  });

  it('never repeats an invalid object name, however short and printable (it may be a pasted secret)', () => {
    expect(lines([inNamespace('Pod', 'CANARY-fz5g9x', 'Bad_NS', 1)])).toEqual([`error: in.yaml#1: metadata.namespace: invalid namespace name: ${RULE}`]);
  });

  it('never repeats a long invalid name', () => {
    const long = `${'x'.repeat(5_000)}CANARY`;
    const all = lines([namespace(long), inNamespace('ConfigMap', 'cm', long)]);
    expect(all).toHaveLength(4);
    for (const line of all) expect(line).not.toContain('CANARY');
  });
});
