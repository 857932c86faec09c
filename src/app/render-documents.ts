import { cloudTokenProvider } from '../adapters/cloud-token-provider.js';
import type { LiveTarget } from '../adapters/kube/detect.js';
import { AMBIENT_IDENTITY_PROJECTS_ENV, ARGOCD_PROJECT_ENV, parseNameList } from '../core/consent.js';
import type { ImpsInput, ImpsOutcome, RenderConsent } from '../core/outcome.js';
import type { Problem } from '../core/problems.js';
import type { Redactor } from '../core/redaction.js';
import type { RenderedSecret } from '../core/repository-credentials.js';
import type { RenderSettings } from '../generated/function-config.js';
import type { InputDocument } from '../io/documents.js';
import type { ClusterReader } from '../ports/cluster.js';
import type { TokenProvider } from '../ports/tokens.js';
import { chooseCluster, openCluster } from './open-cluster.js';
import { runRenderPipeline } from './render-pipeline.js';
import { bindingDefaultsFrom } from '../core/acr-pull-binding.js';
import { selectAcrPullBindings } from './select-bindings.js';
import { selectImagePullSecrets } from './select-inputs.js';

export { chooseCluster, type ClusterMode } from './open-cluster.js';

/** Seams for tests and for the faces; the defaults are the real adapters. */
export interface RenderDependencies {
  readonly tokens?: TokenProvider;
  /**
   * The operator's kubeconfig and context (process flags; KUBECONFIG and IMPS_KRM_CONTEXT are read from `env`).
   * Never from a repository: a kubeconfig can run programs (exec plugins).
   */
  readonly target?: LiveTarget;
  readonly openLiveCluster?: (target: LiveTarget, env: NodeJS.ProcessEnv) => Promise<ClusterReader>;
  readonly env?: NodeJS.ProcessEnv;
  readonly redactor?: Redactor;
  /**
   * The render is for an Argo CD Application (the plugin): without ARGOCD_APP_PROJECT_NAME the project is unknown,
   * which no source names, rather than "not Argo CD", which would skip the project check.
   */
  readonly argoCd?: boolean;
  /**
   * The namespace of AcrPullBindings that name none: where they will be applied (`render --namespace`; for Argo CD the
   * Application's destination, ARGOCD_APP_NAMESPACE). Default `default`, as kubectl with a context naming none.
   */
  readonly bindingNamespace?: string | undefined;
}

export interface DocumentsRender {
  readonly inputs: readonly ImpsInput[];
  readonly outcomes: readonly ImpsOutcome[];
  /**
   * Every rendered Secret, ImagePullSecrets in input order; within each, its pull Secrets (namespaces sorted), then
   * its repository credentials (extension; sorted by namespace and name; none in shells: the controller writes them).
   */
  readonly secrets: readonly RenderedSecret[];
  readonly problems: readonly Problem[];
  readonly cluster: 'live' | 'input';
}

/**
 * The job every face shares: find and validate the ImagePullSecrets among the documents, choose where cluster
 * facts come from, resolve and render. Never throws for bad input or unreachable services: those are problems.
 */
export async function renderDocuments(
  documents: readonly InputDocument[],
  settings: RenderSettings,
  dependencies: RenderDependencies = {},
): Promise<DocumentsRender> {
  const imps = selectImagePullSecrets(documents);
  // AcrPullBindings take the operator's defaults (ACR_SERVER, MANAGED_IDENTITY_*) from the process environment.
  const env = dependencies.env ?? process.env;
  // Argo CD applies a namespace-less object into the Application's destination namespace (its build environment).
  const argoNamespace = dependencies.argoCd ? env['ARGOCD_APP_NAMESPACE'] || undefined : undefined;
  const bindings = selectAcrPullBindings(documents, bindingDefaultsFrom(env), dependencies.bindingNamespace ?? argoNamespace ?? 'default');
  const inputs = [...imps.inputs, ...bindings.inputs];
  const problems = [...imps.problems, ...bindings.problems];
  const target: LiveTarget = dependencies.target ?? {};
  const mode = chooseCluster(settings.cluster ?? 'auto', target, dependencies.env);
  const empty = { inputs, outcomes: [], secrets: [], cluster: mode };
  if (problems.length > 0) return { ...empty, problems };
  if (inputs.length === 0) {
    return {
      ...empty,
      problems: [{ severity: 'error', message: 'no ImagePullSecret (images.banzaicloud.io/v1alpha1) or AcrPullBinding (msi-acrpull.microsoft.com/v1beta1, acrpull.microsoft.com/v1beta2) found in the input' }],
    };
  }

  const opened = await openCluster(mode, documents, inputs, target, dependencies.env ?? process.env, dependencies.openLiveCluster);
  if ('problems' in opened) return { ...empty, problems: opened.problems };
  const { cluster } = opened;
  const result = await runRenderPipeline(inputs, {
    cluster,
    consent: renderConsent(dependencies.env ?? process.env, dependencies.argoCd ?? false),
    tokens: dependencies.tokens ?? cloudTokenProvider(dependencies.env ?? process.env),
    ...(dependencies.redactor ? { redactor: dependencies.redactor } : {}),
    // Shells: no source Secret read, no token minted (core/assemble.ts readsCredentials).
    output: settings.output ?? 'secrets',
  });
  return {
    inputs,
    outcomes: result.outcomes,
    secrets: result.outcomes.flatMap((outcome): RenderedSecret[] => [...outcome.secrets, ...outcome.repositoryCredentials]),
    problems: result.problems,
    cluster: mode,
  };
}

/**
 * The consent context from the process environment, which only the operator and Argo CD's repo-server write: an
 * Application's own variables arrive as ARGOCD_ENV_* and its parameters as PARAM_*, so it can set neither the
 * project nor the list of projects allowed the renderer's identity.
 */
export function renderConsent(env: NodeJS.ProcessEnv, argoCd: boolean): RenderConsent {
  const project = env[ARGOCD_PROJECT_ENV];
  return {
    project: project !== undefined && project !== '' ? project : argoCd ? '' : undefined,
    ambientProjects: parseNameList(env[AMBIENT_IDENTITY_PROJECTS_ENV] ?? ''),
  };
}
