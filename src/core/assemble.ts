import { namespaceDenial } from './consent.js';
import { mergeCredentials, type SourceCredentials } from './docker-config.js';
import type { NamespaceFacts } from './facts.js';
import { inputName, inputRef, type ImpsInput, type ImpsOutcome, type RenderConsent, type SourceOutcome } from './outcome.js';
import type { Problem } from './problems.js';
import { renderPullSecrets, type RenderOutput } from './render.js';
import { renderRepositoryCredentials, repositoryCredentialNamespaces } from './repository-credentials.js';
import { sourcesOf, type SourceRef } from './source-refs.js';
import { sourceDecision, useRefusal, type SourceFacts, type TokenResult } from './source-facts.js';
import { compileTarget, partitionNamespaces, type TargetMatcher } from './targets.js';
import { tokenRequestKey } from './tokens.js';

// The pure half of a render: the specs and what resolution found (app/resolve.ts) in, outcomes out. No I/O, no
// clock: everything that varies between two runs is in `facts`, so two equal calls give equal outcomes.

/** What resolution found. Sources and tokens are empty when the render is for shells (`readsCredentials`). */
export interface RenderFacts {
  readonly namespaces: readonly NamespaceFacts[];
  /** Per input, in input order: the namespaces holding a Pod that one of its `namespacesWithPods` rules matches. */
  readonly podNamespaces: ReadonlyArray<ReadonlySet<string>>;
  /** By SourceRef.key. */
  readonly sources: ReadonlyMap<string, SourceFacts>;
  /** By tokenRequestKey: every token request some allowed use asked for. */
  readonly tokens: ReadonlyMap<string, TokenResult>;
  /**
   * The namespaces are a live cluster's, not the input manifests' (which only know the namespaces they mention): a
   * namespace of spec.target.repositoryCredentials must then be among them.
   */
  readonly live?: boolean | undefined;
}

export interface AssembleOptions {
  readonly output: RenderOutput;
  readonly consent: RenderConsent;
}

/**
 * Shells carry no credential, so a render for shells reads no source Secret and mints no token: the render
 * environment (Argo CD's repo server, a CI job) needs no access to credentials. The one place that says so.
 */
export const readsCredentials = (output: RenderOutput): boolean => output !== 'shells';

/** Outcomes in input order, then every problem: each outcome's, and two ImagePullSecrets writing the same Secret. */
export function assemble(
  inputs: readonly ImpsInput[],
  facts: RenderFacts,
  options: AssembleOptions,
): { readonly outcomes: ImpsOutcome[]; readonly problems: Problem[] } {
  const outcomes = inputs.map((input, index) =>
    assembleOne(input, compileTarget(input.imps.spec.target), facts, facts.podNamespaces[index] ?? new Set(), options),
  );
  return { outcomes, problems: [...outcomes.flatMap((outcome) => outcome.problems), ...duplicateTargets(outcomes)] };
}

/** One source's part in one ImagePullSecret's render. */
interface SourceUse {
  readonly outcome: SourceOutcome;
  readonly credentials?: SourceCredentials | undefined;
  /** Consented and read from a cluster: its annotations decide namespaces outside the selection too. */
  readonly consentOf?: SourceFacts['consentOf'];
  readonly problems: readonly Problem[];
  readonly denied: readonly string[];
}

function assembleOne(
  input: ImpsInput,
  matcher: TargetMatcher,
  facts: RenderFacts,
  withMatchingPods: ReadonlySet<string>,
  options: AssembleOptions,
): ImpsOutcome {
  const { imps, origin } = input;
  const resource = inputRef(input);
  const { selected, excluded } = partitionNamespaces(matcher, facts.namespaces, withMatchingPods);
  const shells = !readsCredentials(options.output);
  // The extension's namespaces are target namespaces too: the sources must allow them.
  const repositoryNamespaces = repositoryCredentialNamespaces(imps);
  const targets = [...new Set([...selected, ...repositoryNamespaces])];
  const uses = sourcesOf(input).map((ref) => (shells ? notRead(ref) : useOf(input, ref, facts, options.consent, targets, repositoryNamespaces, selected)));
  const warnings = (input.binding?.warnings ?? []).map((warning): Problem => ({ severity: 'warning', resource, file: origin, field: warning.path, message: warning.message }));
  const problems: Problem[] = [...warnings, ...uses.flatMap((use) => use.problems)];
  const denied = new Set(uses.flatMap((use) => use.denied));
  let failed = uses.some((use) => use.outcome.state === 'failed');

  const { config, conflicts, logins } = mergeCredentials(uses.flatMap((use) => (use.credentials ? [use.credentials] : [])));
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
  const known = new Set(facts.namespaces.map((namespace) => namespace.name));
  for (const name of matcher.names) {
    if (!known.has(name) && !matcher.excludes(name)) {
      problems.push({ severity: 'warning', resource, file: origin, field: 'spec.target.namespaces.names', message: `namespace ${name} does not exist; skipped` });
    }
  }
  // On a live cluster a namespace of the extension that does not exist is skipped with a warning, as a missing
  // `names` entry is; the input manifests know only the namespaces they mention, Argo CD's seldom among them.
  const missing = facts.live && !shells ? repositoryNamespaces.filter((namespace) => !known.has(namespace)) : [];
  for (const namespace of missing) {
    problems.push({ severity: 'warning', resource, file: origin, field: 'spec.target.repositoryCredentials', message: `namespace ${namespace} does not exist; its repository credentials are skipped` });
  }
  const repository =
    failed || shells
      ? { secrets: [], errors: [] }
      : renderRepositoryCredentials(imps, logins, (namespace) => !denied.has(namespace) && !missing.includes(namespace));
  for (const error of repository.errors) {
    // Never a part of the logins: a login that cannot be written fails the ImagePullSecret, as a failed source does.
    failed = true;
    problems.push({ severity: 'error', resource, file: origin, field: error.field, message: error.message });
  }
  const allowed = selected.filter((namespace) => !denied.has(namespace));
  const refusals = uses.filter((use) => use.outcome.state === 'refused').map((use) => use.outcome.status);
  const consented = uses.flatMap((use) => (use.consentOf ? [use.consentOf] : []));
  return {
    input,
    namespaces: allowed,
    deniedNamespaces: selected.filter((namespace) => denied.has(namespace)),
    excludedNamespaces: excluded,
    failed,
    secrets: failed ? [] : renderPullSecrets(imps, allowed, config, options.output),
    repositoryCredentials: failed ? [] : repository.secrets,
    deniedRepositoryNamespaces: repositoryNamespaces.filter((namespace) => denied.has(namespace)),
    namespaceDenials: (namespace) => [
      ...refusals,
      ...consented.flatMap((consentOf) => namespaceDenial(consentOf.annotations, namespace, options.consent.requireConsent).map((denial) => denial.reason)),
    ],
    sources: uses.map((use) => use.outcome),
    sourceStatus: Object.fromEntries(uses.map((use) => [use.outcome.id, use.outcome.status])),
    expiresAt: config.expiresAt,
    problems,
  };
}

const originOf = (ref: SourceRef): SourceOutcome['origin'] => ('secret' in ref.from ? 'secret' : 'binding' in ref.from ? 'binding' : 'inline');

function notRead(ref: SourceRef): SourceUse {
  const outcome: SourceOutcome = { id: ref.id, key: ref.key, origin: originOf(ref), state: 'not-read', status: 'not read: shells carry no credential' };
  return { outcome, problems: [], denied: [] };
}

/**
 * `targets`: the selected namespaces and the extension's (`repository`), which the source's consent must allow alike;
 * `selected` only words the problems.
 */
function useOf(
  input: ImpsInput,
  ref: SourceRef,
  facts: RenderFacts,
  consent: RenderConsent,
  targets: readonly string[],
  repository: readonly string[],
  selected: readonly string[],
): SourceUse {
  const { imps, origin } = input;
  const source = facts.sources.get(ref.key) ?? { plan: { error: 'not read' } };
  const { plan } = source;
  const base = {
    id: ref.id,
    key: ref.key,
    origin: originOf(ref),
    ...('error' in plan ? {} : plan.kind === 'static' ? { kind: plan.kind } : { kind: plan.kind, tokenRequest: () => plan.request }),
  };
  const problem = (message: string): Problem => ({ severity: 'error', resource: inputRef(input), file: origin, source: ref.id, message });

  // Consent first, even for a source that does not parse: a tenant the owner did not name learns nothing of it.
  const refused = useRefusal(imps, source, consent);
  if (refused !== undefined) {
    // A decision, not a failure: like a namespace the source does not allow, but every namespace.
    return { outcome: { ...base, state: 'refused', status: refused }, problems: [problem(refused)], denied: targets };
  }
  const credentials = contributionOf(ref.id, plan, facts.tokens);
  if ('error' in credentials) {
    return { outcome: { ...base, state: 'failed', status: credentials.error }, problems: [problem(credentials.error)], denied: [] };
  }
  const deniedHere = sourceDecision(imps, source, consent, targets).deniedNamespaces;
  const what = (namespace: string): string =>
    !repository.includes(namespace)
      ? "this ImagePullSecret's Secret is"
      : selected.includes(namespace)
        ? "this ImagePullSecret's Secret and repository credentials are"
        : "this ImagePullSecret's repository credentials are";
  return {
    outcome: {
      ...base,
      expiresAt: credentials.expiresAt,
      state: deniedHere.length === 0 ? 'ok' : 'partly-denied',
      status: deniedHere.length === 0 ? 'Ok' : deniedHere.map((denial) => denial.reason).join('; '),
    },
    credentials,
    consentOf: source.consentOf,
    problems: deniedHere.map(({ namespace, reason }) => problem(`${reason}: ${what(namespace)} not rendered there`)),
    denied: deniedHere.map((denial) => denial.namespace),
  };
}

/** The logins a source gives: as written, or its minted token; or why it gives none. */
function contributionOf(id: string, plan: SourceFacts['plan'], tokens: RenderFacts['tokens']): SourceCredentials | { readonly error: string } {
  if ('error' in plan) return plan;
  if (plan.kind === 'static') return { source: id, credentials: plan.credentials };
  // Resolution mints for every use it does not refuse; "not minted" would be a bug, reported rather than thrown.
  const token = tokens.get(tokenRequestKey(plan.request)) ?? { error: 'not minted' };
  if ('error' in token) return token;
  return { source: id, credentials: [{ registry: plan.registry, username: token.username, password: token.password }], expiresAt: token.expiresAt };
}

/** Two ImagePullSecrets writing the same Secret would fight; kustomize would also reject the duplicate id. */
function duplicateTargets(outcomes: readonly ImpsOutcome[]): Problem[] {
  const owners = new Map<string, string>();
  const problems: Problem[] = [];
  for (const outcome of outcomes) {
    const { imps, origin, binding } = outcome.input;
    const who = inputName(outcome.input);
    const written = [
      ...outcome.namespaces.map((namespace) => ({ key: `${namespace}/${imps.spec.target.secret.name}`, field: binding ? 'metadata.name' : 'spec.target.secret.name' })),
      ...outcome.repositoryCredentials.map(({ metadata }) => ({ key: `${metadata.namespace}/${metadata.name}`, field: 'spec.target.repositoryCredentials' })),
    ];
    for (const { key, field } of written) {
      const owner = owners.get(key);
      if (owner !== undefined && owner !== who) {
        problems.push({
          severity: 'error',
          resource: inputRef(outcome.input),
          file: origin,
          field,
          message: `Secret ${key} is also rendered by ${owner}`,
        });
      } else {
        owners.set(key, who);
      }
    }
  }
  return problems;
}
