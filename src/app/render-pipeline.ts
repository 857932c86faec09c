import { namespaceDenial } from '../core/consent.js';
import { mergeCredentials, type SourceCredentials } from '../core/docker-config.js';
import type { NamespaceFacts } from '../core/facts.js';
import type { Problem, ResourceRef } from '../core/problems.js';
import { Redactor } from '../core/redaction.js';
import { renderPullSecrets, type PullSecretManifest } from '../core/render.js';
import { compileTarget, excludedNamespaces, selectNamespaces, type TargetMatcher } from '../core/targets.js';
import type { ImagePullSecret } from '../generated/image-pull-secret.js';
import type { ClusterReader } from '../ports/cluster.js';
import type { ImpsInput, RenderConsent, RenderPorts } from './pipeline-types.js';
import { consentOf, decide, errorMessage, resolveSources, sourcesOf, useKey, type ReadSource, type Resolved, type SourceRef } from './resolve-sources.js';

export type { FileOrigin, ImpsInput, RenderConsent, RenderPorts } from './pipeline-types.js';
export { errorMessage, sourceId } from './resolve-sources.js';

/** What happened to one ImagePullSecret: the controller turns this into writes and status. */
export interface ImpsOutcome {
  readonly input: ImpsInput;
  /** Selected namespaces every source allows, sorted: where the Secret belongs. */
  readonly namespaces: readonly string[];
  /** Selected namespaces some source does not allow (allowed-namespaces): no Secret there; each is a problem. */
  readonly deniedNamespaces: readonly string[];
  /** Namespaces some rule matches that `excludeNamespaces` removes, sorted: for the summary people read. */
  readonly excludedNamespaces: readonly string[];
  /**
   * A source failed or two sources clash: `secrets` is empty, and nothing may be concluded about the namespaces.
   * A refusal is not a failure but a decision: a namespace that one source does not allow gets no Secret at all
   * (never a partial docker config) and the others are rendered; a source that refuses the whole ImagePullSecret
   * denies every namespace.
   */
  readonly failed: boolean;
  /** One Secret per namespace in `namespaces`; empty when `failed`. */
  readonly secrets: readonly PullSecretManifest[];
  /**
   * Why a namespace outside the selection may not receive this ImagePullSecret's logins (the controller's shells);
   * empty when every source allows it.
   */
  readonly namespaceDenials: (namespace: string) => string[];
  /** `<namespace>.<name>` of each source Secret, `inline[<index>]` of each inline source: `Ok` or what went wrong. */
  readonly sourceStatus: Readonly<Record<string, string>>;
  readonly expiresAt?: Date | undefined;
  readonly problems: readonly Problem[];
}

export interface PipelineResult {
  readonly outcomes: readonly ImpsOutcome[];
  /** Every problem, per ImagePullSecret and global (cluster unreachable, duplicate targets). */
  readonly problems: readonly Problem[];
}

export const impsRef = (imps: ImagePullSecret): ResourceRef => ({
  apiVersion: imps.apiVersion,
  kind: imps.kind,
  name: imps.metadata.name,
});

/**
 * Resolves every ImagePullSecret against a cluster and token providers, then renders with the pure core.
 * Reads cost: one namespace list, one pod scan (only when a rule needs Pods), one read per distinct source
 * Secret, one token call per distinct credential.
 */
export async function runRenderPipeline(inputs: readonly ImpsInput[], ports: RenderPorts): Promise<PipelineResult> {
  const redactor = ports.redactor ?? new Redactor();
  const matchers = inputs.map((input) => compileTarget(input.imps.spec.target));
  const refs = uniqueSources(inputs);

  let namespaces: NamespaceFacts[];
  let podMatches: Array<Set<string>>;
  let resolved: Resolved;
  try {
    [namespaces, podMatches, resolved] = await Promise.all([
      ports.cluster.listNamespaces(),
      scanPods(ports.cluster, matchers),
      resolveSources(inputs, refs, ports, redactor),
    ]);
  } catch (error) {
    const message = redactor.redact(errorMessage(error));
    return { outcomes: [], problems: [{ severity: 'error', message: `${ports.cluster.description}: ${message}` }] };
  }

  const outcomes = inputs.map((input, index) =>
    renderOne(input, matchers[index]!, namespaces, podMatches[index]!, resolved, consentOf(ports)),
  );
  const problems = [...outcomes.flatMap((outcome) => outcome.problems), ...duplicateTargets(outcomes)];
  return { outcomes, problems: problems.map((problem) => ({ ...problem, message: redactor.redact(problem.message) })) };
}

function uniqueSources(inputs: readonly ImpsInput[]): SourceRef[] {
  const byKey = new Map<string, SourceRef>();
  for (const { imps } of inputs) {
    for (const ref of sourcesOf(imps)) byKey.set(ref.key, ref);
  }
  return [...byKey.values()];
}

/** One pass over the Pods for all ImagePullSecrets; skipped when no rule looks at Pods. */
async function scanPods(cluster: ClusterReader, matchers: readonly TargetMatcher[]): Promise<Array<Set<string>>> {
  const found = matchers.map(() => new Set<string>());
  const interested = matchers.map((matcher, index) => ({ matcher, index })).filter(({ matcher }) => matcher.wantsPods);
  if (interested.length === 0) return found;
  await cluster.scanPods((pod) => {
    for (const { matcher, index } of interested) {
      const set = found[index]!;
      if (!set.has(pod.namespace) && matcher.matchesPod(pod)) set.add(pod.namespace);
    }
  });
  return found;
}

function renderOne(
  input: ImpsInput,
  matcher: TargetMatcher,
  namespaces: readonly NamespaceFacts[],
  withMatchingPods: ReadonlySet<string>,
  resolved: Resolved,
  consent: RenderConsent | undefined,
): ImpsOutcome {
  const { imps, origin } = input;
  const resource = impsRef(imps);
  const problems: Problem[] = [];
  const sourceStatus: Record<string, string> = {};
  const contributions: SourceCredentials[] = [];
  const selected = selectNamespaces(matcher, namespaces, withMatchingPods);
  const denied = new Set<string>();
  const consented: ReadSource[] = [];
  const refusals: string[] = [];
  let failed = false;
  for (const { key, id } of sourcesOf(imps)) {
    const result = resolved.sources.get(key)!;
    const read = resolved.reads.get(key)!;
    const refused = resolved.refusals.get(useKey(imps, key));
    if (refused !== undefined) {
      // A decision, not a failure: like a namespace the source does not allow, but every namespace.
      refusals.push(refused);
      selected.forEach((namespace) => denied.add(namespace));
      sourceStatus[id] = refused;
      problems.push({ severity: 'error', resource, file: origin, source: id, message: refused });
      continue;
    }
    if (!result.ok) {
      sourceStatus[id] = result.error;
      problems.push({ severity: 'error', resource, file: origin, source: id, message: result.error });
      failed = true;
      continue;
    }
    contributions.push(result.credentials);
    consented.push(read);
    const deniedHere = consent === undefined ? [] : decide(imps, read, consent, selected).deniedNamespaces;
    sourceStatus[id] = deniedHere.length === 0 ? 'Ok' : deniedHere.map((denial) => denial.reason).join('; ');
    for (const { namespace, reason } of deniedHere) {
      denied.add(namespace);
      problems.push({ severity: 'error', resource, file: origin, source: id, message: `${reason}: this ImagePullSecret's Secret is not rendered there` });
    }
  }
  const { config, conflicts } = mergeCredentials(contributions);
  for (const conflict of conflicts) {
    failed = true;
    problems.push({
      severity: 'error',
      resource,
      file: origin,
      // Kept as IMPS users know it when both are Secrets; an inline entry lives beside `credentials`.
      field: conflict.sources.some((source) => source.startsWith('inline[')) ? 'spec.registry' : 'spec.registry.credentials',
      message: `registry ${conflict.registry} is given by both ${conflict.sources[0]} and ${conflict.sources[1]} with different logins; keep it in one source`,
    });
  }
  const known = new Set(namespaces.map((namespace) => namespace.name));
  for (const name of matcher.names) {
    if (!known.has(name) && !matcher.excludes(name)) {
      problems.push({ severity: 'warning', resource, file: origin, field: 'spec.target.namespaces.names', message: `namespace ${name} does not exist; skipped` });
    }
  }
  const allowed = selected.filter((namespace) => !denied.has(namespace));
  return {
    input,
    namespaces: allowed,
    deniedNamespaces: selected.filter((namespace) => denied.has(namespace)),
    excludedNamespaces: excludedNamespaces(matcher, namespaces, withMatchingPods),
    failed,
    secrets: failed ? [] : renderPullSecrets(imps, allowed, config),
    namespaceDenials: (namespace) => [
      ...refusals,
      ...consented.flatMap((read) =>
        consent === undefined || read.consentOf === undefined
          ? []
          : namespaceDenial(read.consentOf.annotations, namespace, consent.requireConsent).map((denial) => denial.reason),
      ),
    ],
    sourceStatus,
    expiresAt: config.expiresAt,
    problems,
  };
}

/** Two ImagePullSecrets writing the same Secret would fight; kustomize would also reject the duplicate id. */
function duplicateTargets(outcomes: readonly ImpsOutcome[]): Problem[] {
  const owners = new Map<string, string>();
  const problems: Problem[] = [];
  for (const outcome of outcomes) {
    const { imps, origin } = outcome.input;
    for (const namespace of outcome.namespaces) {
      const key = `${namespace}/${imps.spec.target.secret.name}`;
      const owner = owners.get(key);
      if (owner !== undefined && owner !== imps.metadata.name) {
        problems.push({
          severity: 'error',
          resource: impsRef(imps),
          file: origin,
          field: 'spec.target.secret.name',
          message: `Secret ${key} is also rendered by ImagePullSecret ${owner}`,
        });
      } else {
        owners.set(key, imps.metadata.name);
      }
    }
  }
  return problems;
}
