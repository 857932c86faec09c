// The wording of explain's reasons, and its bounds: every text is one line the schema accepts, however large a spec.
import { describe, expect, it } from 'vitest';
import { explainTargets } from '../../src/app/explain-targets.js';
import { explanationDocument } from '../../src/app/explain-documents.js';
import { oneLine } from '../../src/core/explain.js';
import type { NamespaceFacts } from '../../src/core/facts.js';
import type { ImagePullSecret, TargetConfig } from '../../src/generated/image-pull-secret.js';
import { validateExplanation } from '../../src/generated/validators.js';
import type { ClusterReader } from '../../src/ports/cluster.js';
import { dockerConfigSource, imagePullSecret, memoryCluster } from '../support/builders.js';

const imps = (target: Omit<TargetConfig, 'secret'>): ImagePullSecret => imagePullSecret('imps', { credentials: ['creds/hub'], target });
const cluster = (namespaces: NamespaceFacts[]): ClusterReader => memoryCluster({ namespaces, isInput: true, secrets: { 'creds/hub': dockerConfigSource({}) } });

describe('explain reasons', () => {
  it('cut long value lists and long summaries, and stay valid for the schema', async () => {
    const values = Array.from({ length: 20 }, (_, i) => `v${i}`);
    const labels = Array.from({ length: 40 }, (_, i) => ({ matchExpressions: [{ key: `example.com/key-${i}`, operator: 'In' as const, values }] }));
    const [explained] = await explainTargets([{ imps: imps({ namespaces: { labels } }) }], cluster([{ name: 'a', labels: {}, annotations: {} }]), { all: true });
    const entry = explained!.namespaces[0]!;
    expect(entry.mismatches).toHaveLength(40);
    expect(entry.mismatches[0]!.reason).toBe(
      'matchExpressions[0] needs label example.com/key-0 in (v0, v1, v2, v3, v4 and 15 more), but the namespace has no such label',
    );
    expect(entry.reason.length).toBeLessThan(1200);
    expect(entry.reason).toMatch(/; and \d+ more \(see mismatches\)$/);
    expect(validateExplanation(explanationDocument('input', 'test', [explained!]))).toBe(true);
  });

  it('never show a value of the namespace, and describe a selector value that is not a short token', async () => {
    const target = { namespaces: { annotations: [{ matchAnnotations: { note: 'line one\nline two' } }] } };
    const namespace = { name: 'a', labels: {}, annotations: { note: 'SECRET-LOOKING-VALUE' } };
    const [explained] = await explainTargets([{ imps: imps(target) }], cluster([namespace]), { all: true });
    expect(explained!.namespaces[0]!.mismatches).toEqual([
      { rule: 'spec.target.namespaces.annotations[0]', reason: "needs annotation note=<a value of 17 characters>, but the namespace's annotation note has another value" },
    ]);
    expect(JSON.stringify(explained)).not.toContain('SECRET-LOOKING-VALUE');
  });

  it('oneLine makes a foreign message one bounded line', () => {
    expect(oneLine('a\nb\r\n\tc\u001b[31m')).toBe('a b c [31m');
    expect(oneLine('x'.repeat(2000))).toHaveLength(1003);
  });
});
