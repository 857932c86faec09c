import type { LiveTarget } from '../adapters/kube/detect.js';
import { errorMessage, type Problem } from '../core/problems.js';
import type { Explanation, ImagePullSecretExplanation } from '../generated/explanation.js';
import type { InputDocument } from '../io/documents.js';
import type { ClusterReader } from '../ports/cluster.js';
import { explainTargets, type ExplainOptions } from './explain-targets.js';
import { chooseCluster, openCluster, type ClusterMode } from './open-cluster.js';
import { selectImagePullSecrets } from './select-inputs.js';

export interface ExplainSettings extends ExplainOptions {
  readonly cluster?: ClusterMode | undefined;
}

/** The document `explain -o json` prints and the controller serves: one shape for every mode. */
export function explanationDocument(mode: Explanation['mode'], cluster: string, imagePullSecrets: ImagePullSecretExplanation[]): Explanation {
  return { apiVersion: 'imps-krm.io/v1alpha1', kind: 'Explanation', mode, cluster, imagePullSecrets };
}

/**
 * `explain` in input and live modes: the ImagePullSecrets of the documents, against the manifests or the cluster, as
 * `render` finds and validates them. Problems (invalid input, unreachable cluster) instead of an explanation.
 */
export async function explainDocuments(
  documents: readonly InputDocument[],
  settings: ExplainSettings,
  dependencies: {
    readonly env?: NodeJS.ProcessEnv;
    /** The operator's kubeconfig and context (process flags), as for render: never from a repository. */
    readonly target?: LiveTarget;
    readonly openLiveCluster?: (target: LiveTarget, env: NodeJS.ProcessEnv) => Promise<ClusterReader>;
  } = {},
): Promise<{ readonly explanation: Explanation } | { readonly problems: readonly Problem[] }> {
  const { inputs, problems } = selectImagePullSecrets(documents);
  if (problems.length > 0) return { problems };
  if (inputs.length === 0) return { problems: [{ severity: 'error', message: 'no ImagePullSecret (images.banzaicloud.io/v1alpha1) found in the input' }] };
  const target: LiveTarget = dependencies.target ?? {};
  const mode = chooseCluster(settings.cluster ?? 'auto', target, dependencies.env);
  const opened = await openCluster(mode, documents, inputs, target, dependencies.env ?? process.env, dependencies.openLiveCluster);
  if ('problems' in opened) return { problems: opened.problems };
  try {
    const explained = await explainTargets(inputs, opened.cluster, settings);
    return { explanation: explanationDocument(mode, opened.cluster.description, explained) };
  } catch (error) {
    return { problems: [{ severity: 'error', message: `${opened.cluster.description}: ${errorMessage(error)}` }] };
  }
}
