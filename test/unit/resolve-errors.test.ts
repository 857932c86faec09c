import { describe, expect, it } from 'vitest';
import { runRenderPipeline } from '../../src/app/render-pipeline.js';
import type { ClusterReader } from '../../src/ports/cluster.js';
import { imagePullSecret, noTokens } from '../support/builders.js';

/** A cluster whose namespace list fails late and whose Pod scan fails at once. */
function failingCluster(): ClusterReader {
  return {
    description: 'cluster test',
    listNamespaces: () => new Promise((_, reject) => setTimeout(() => reject(new Error('list namespaces: refused')), 20)),
    scanPods: () => Promise.reject(new Error('list pods: refused')),
    readSecret: () => Promise.resolve(undefined),
  };
}

describe('resolve: reading the cluster fails', () => {
  it('reports the first failure in the order the reads start (namespaces), not the first to arrive (pods)', async () => {
    const imps = imagePullSecret('a', { credentials: ['creds/static'], target: { namespacesWithPods: { labels: [{ matchLabels: { app: 'x' } }] } } });
    const result = await runRenderPipeline([{ imps }], { cluster: failingCluster(), tokens: noTokens, output: 'shells' });
    expect(result.outcomes).toEqual([]);
    expect(result.problems).toEqual([{ severity: 'error', message: 'cluster test: list namespaces: refused' }]);
  });
});
