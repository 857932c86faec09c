import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/core/problems.js';
import { readFunctionConfig } from '../../src/faces/krm/function-config.js';

describe('readFunctionConfig: how problems name the functionConfig', () => {
  it('names it by a kind, name and namespace Kubernetes accepts', () => {
    const config = readFunctionConfig({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fn', namespace: 'team-a' } });
    expect(config.problems.map(formatProblem)).toEqual([
      'error: Pod/team-a/fn: functionConfig must be an ImagePullSecret (images.banzaicloud.io/v1alpha1), an AcrPullBinding or a ConfigMap of settings',
    ]);
  });

  it('never repeats an invalid name, namespace or kind: it may be anything, a pasted secret included (found by the apps fuzzer)', () => {
    const config = readFunctionConfig({ kind: 'ImagePullSecret', metadata: { name: 'CANARY-fz1yfx', namespace: 'CANARY-ns' } });
    expect(config.problems.map(formatProblem)).toEqual([
      'error: ImagePullSecret/<invalid name>: functionConfig must be an ImagePullSecret (images.banzaicloud.io/v1alpha1), an AcrPullBinding or a ConfigMap of settings',
    ]);
    const kind = readFunctionConfig({ apiVersion: 'v1', kind: 'CANARY kind: x', metadata: { name: 'fn' } });
    expect(kind.problems.map(formatProblem).join('\n')).not.toContain('CANARY');
  });
});
