import { inputCluster, inputNamespaceProblems } from '../adapters/input-cluster.js';
import { liveClusterConfigured, type LiveTarget } from '../adapters/kube/detect.js';
import { errorMessage, type Problem } from '../core/problems.js';
import type { RenderSettings } from '../generated/function-config.js';
import type { InputDocument } from '../io/documents.js';
import type { ClusterReader } from '../ports/cluster.js';
import type { ImpsInput } from '../core/outcome.js';

export type ClusterMode = NonNullable<RenderSettings['cluster']>;

export function chooseCluster(mode: ClusterMode, target: LiveTarget, env: NodeJS.ProcessEnv = process.env): 'live' | 'input' {
  if (mode !== 'auto') return mode;
  return liveClusterConfigured(target, env) ? 'live' : 'input';
}

/**
 * Where cluster facts come from, as `render` and `explain` both take them: the input manifests (refused when they
 * name a namespace the API server would refuse), or the live cluster. Problems instead of a reader when neither works.
 */
export async function openCluster(
  mode: 'live' | 'input',
  documents: readonly InputDocument[],
  inputs: readonly ImpsInput[],
  target: LiveTarget,
  env: NodeJS.ProcessEnv,
  openLive: (target: LiveTarget, env: NodeJS.ProcessEnv) => Promise<ClusterReader> = openLiveCluster,
): Promise<{ readonly cluster: ClusterReader } | { readonly problems: Problem[] }> {
  if (mode === 'input') {
    const invalid = inputNamespaceProblems(documents);
    if (invalid.length > 0) return { problems: invalid };
  }
  try {
    return {
      cluster:
        mode === 'input'
          ? inputCluster(documents.map((document) => document.value), inputs.flatMap(({ imps }) => imps.spec.target.namespaces?.names ?? []))
          : await openLive(target, env),
    };
  } catch (error) {
    return { problems: [{ severity: 'error', message: `cannot use the cluster: ${errorMessage(error)}` }] };
  }
}

/** The Kubernetes client is small and bundled with the CLI; it imports the network modules only when it connects. */
async function openLiveCluster(target: LiveTarget, env: NodeJS.ProcessEnv): Promise<ClusterReader> {
  const { liveCluster } = await import('../adapters/kube/live-cluster.js');
  return liveCluster(target, env);
}
