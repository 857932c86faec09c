import { sourceConsent } from '../core/consent.js';
import { explainMissing, explainNamespace, explainRepositoryCredentials, oneLine, type PodMatch } from '../core/explain.js';
import type { NamespaceFacts } from '../core/facts.js';
import type { ImpsInput } from '../core/outcome.js';
import { errorMessage } from '../core/problems.js';
import { repositoryCredentialTargets } from '../core/repository-credentials.js';
import { sourceId } from '../core/source-refs.js';
import { compareStrings, compileTarget, selectionOf, type TargetMatcher } from '../core/targets.js';
import type { ImagePullSecretExplanation, NamespaceExplanation, Refusal } from '../generated/explanation.js';
import type { ImagePullSecret } from '../generated/image-pull-secret.js';
import type { ClusterReader } from '../ports/cluster.js';


export interface ExplainOptions {
  /** `--namespace`: explain exactly these namespaces, whatever their verdict (one that does not exist is `missing`). */
  readonly namespaces?: readonly string[] | undefined;
  /** `--all`: list every namespace, those no rule matches too. */
  readonly all?: boolean | undefined;
  /** Decide consent as the controller run with `--require-source-consent` does. */
  readonly requireConsent?: boolean | undefined;
}

/** A source Secret as explain needs it: its consent annotations, or why there are none to judge. */
type SourceRead = { readonly annotations: Readonly<Record<string, unknown>> | undefined } | { readonly problem: string };

/**
 * Why each namespace does or does not get each ImagePullSecret's Secret. Reads what a render reads (one namespace
 * list, one Pod scan when a rule needs Pods, each named source Secret) but mints nothing and keeps no credential:
 * of a source Secret only its annotations are used. Memory is bounded by the namespaces, not the Pods: per
 * ImagePullSecret and namespace, the first matching Pod only. Throws when the cluster cannot be listed.
 */
export async function explainTargets(inputs: readonly ImpsInput[], cluster: ClusterReader, options: ExplainOptions = {}): Promise<ImagePullSecretExplanation[]> {
  const matchers = inputs.map(({ imps }) => compileTarget(imps.spec.target));
  const [namespaces, pods, sources] = await Promise.all([cluster.listNamespaces(), scanPods(cluster, matchers), readSources(inputs, cluster)]);
  const byName = new Map(namespaces.map((namespace) => [namespace.name, namespace]));
  return inputs.map(({ imps }, index) =>
    explainOne(imps, matchers[index]!, byName, { matches: pods.matches[index]!, seen: pods.seen }, sources, cluster.isInput ?? false, options),
  );
}

interface PodScan {
  /** Per ImagePullSecret: namespace -> the first Pod seen there that matches one of its Pod selectors. */
  readonly matches: ReadonlyArray<ReadonlyMap<string, PodMatch>>;
  /** Namespaces that have at least one Pod (a set, not counts: a restarted list may visit a Pod twice). */
  readonly seen: ReadonlySet<string>;
}

async function scanPods(cluster: ClusterReader, matchers: readonly TargetMatcher[]): Promise<PodScan> {
  const matches = matchers.map(() => new Map<string, PodMatch>());
  const seen = new Set<string>();
  if (!matchers.some((matcher) => matcher.wantsPods)) return { matches, seen };
  await cluster.scanPods((pod) => {
    seen.add(pod.namespace);
    matchers.forEach((matcher, index) => {
      const found = matches[index]!;
      if (found.has(pod.namespace)) return;
      const rule = matcher.podRule(pod);
      if (rule) found.set(pod.namespace, { rule, pod: { kind: pod.kind ?? 'Pod', namespace: pod.namespace, name: pod.name ?? '' } });
    });
  });
  return { matches, seen };
}

async function readSources(inputs: readonly ImpsInput[], cluster: ClusterReader): Promise<Map<string, SourceRead>> {
  const refs = new Map(inputs.flatMap(({ imps }) => (imps.spec.registry.credentials ?? []).map((ref) => [sourceId(ref), ref] as const)));
  const reads = new Map<string, SourceRead>();
  await Promise.all(
    [...refs].map(async ([id, { namespace, name }]) => {
      try {
        const secret = await cluster.readSecret(namespace, name);
        // Only the annotations are kept: explain never holds a credential longer than this read.
        reads.set(id, secret ? { annotations: secret.annotations ?? {} } : { problem: `source Secret ${namespace}/${name} not found: the render fails` });
      } catch (error) {
        reads.set(id, { problem: `source Secret ${namespace}/${name} could not be read, so its consent annotations are not checked: ${oneLine(errorMessage(error))}` });
      }
    }),
  );
  return reads;
}

function explainOne(
  imps: ImagePullSecret,
  matcher: TargetMatcher,
  namespaces: ReadonlyMap<string, NamespaceFacts>,
  pods: { readonly matches: ReadonlyMap<string, PodMatch>; readonly seen: ReadonlySet<string> },
  sources: ReadonlyMap<string, SourceRead>,
  fromInput: boolean,
  options: ExplainOptions,
): ImagePullSecretExplanation {
  const selections = new Map([...namespaces.values()].map((namespace) => [namespace.name, selectionOf(matcher, namespace, pods.matches.has(namespace.name))]));
  const selected = [...selections].filter(([, selection]) => selection.selected).map(([name]) => name);
  const { refusals, problems } = consentOf(imps, selected, sources, fromInput, options.requireConsent);

  const wanted = options.namespaces
    ? [...new Set(options.namespaces)]
    : [
        ...[...selections].filter(([name, selection]) => options.all || selection.rule !== undefined || pods.matches.has(name)).map(([name]) => name),
        // As the render warns: a listed namespace that does not exist, unless excluded.
        ...matcher.names.filter((name) => !namespaces.has(name) && !matcher.excludes(name)),
      ];
  const listed: NamespaceExplanation[] = [...new Set(wanted)].sort(compareStrings).map((name) => {
    const namespace = namespaces.get(name);
    if (!namespace) return explainMissing(matcher, name);
    return explainNamespace({
      matcher,
      namespace,
      selection: selections.get(name)!,
      podMatch: pods.matches.get(name),
      hasPods: pods.seen.has(name),
      refusals: refusals.get(name) ?? [],
    });
  });
  const present = listed.filter((explanation) => explanation.verdict !== 'missing').length;
  // The extension's namespaces, judged by the same consent function, alone: a source may allow one and not another.
  const repository = repositoryCredentialTargets(imps).filter((target) => !options.namespaces || options.namespaces.includes(target.namespace));
  const repositoryConsent = consentOf(imps, repository.map((target) => target.namespace), sources, fromInput, options.requireConsent);
  const repositoryCredentials = repository.map((target) =>
    explainRepositoryCredentials(target, repositoryConsent.refusals.get(target.namespace) ?? [], fromInput || namespaces.has(target.namespace)),
  );
  return {
    name: imps.metadata.name,
    secret: imps.spec.target.secret.name,
    namespaces: listed,
    unlisted: namespaces.size - present,
    problems,
    ...(repositoryCredentials.length > 0 ? { repositoryCredentials } : {}),
  };
}

/** What each source Secret's consent annotations say of the selected namespaces: the function the render calls. */
function consentOf(
  imps: ImagePullSecret,
  selected: readonly string[],
  sources: ReadonlyMap<string, SourceRead>,
  fromInput: boolean,
  requireConsent: boolean | undefined,
): { refusals: Map<string, Refusal[]>; problems: string[] } {
  const refusals = new Map<string, Refusal[]>();
  const problems: string[] = [];
  const refuse = (namespace: string, refusal: Refusal): void => {
    refusals.set(namespace, [...(refusals.get(namespace) ?? []), refusal]);
  };
  for (const ref of imps.spec.registry.credentials ?? []) {
    const source = sourceId(ref);
    const read = sources.get(source);
    if (!read) continue;
    if ('problem' in read) {
      problems.push(read.problem);
      continue;
    }
    const decision = sourceConsent(read.annotations, { imagePullSecret: imps.metadata.name, namespaces: selected, fromInput, requireConsent });
    if (decision.denied !== undefined) for (const namespace of selected) refuse(namespace, { source, reason: decision.denied });
    for (const { namespace, reason } of decision.deniedNamespaces) refuse(namespace, { source, reason });
  }
  return { refusals, problems };
}
