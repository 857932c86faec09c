import { ambientIdentityDenial, namespaceDenial, sourceConsent, type ConsentDecision } from '../core/consent.js';
import { mergeCredentials, type RegistryCredential, type SourceCredentials } from '../core/docker-config.js';
import type { NamespaceFacts } from '../core/facts.js';
import { inlineSourceId, inlineSourceKey, parseInlineSource } from '../core/inline-sources.js';
import type { Problem, ResourceRef } from '../core/problems.js';
import { Redactor } from '../core/redaction.js';
import { renderPullSecrets, type PullSecretManifest } from '../core/render.js';
import { parseSource, type SourcePlan, type SourceSecret } from '../core/sources.js';
import { compileTarget, selectNamespaces, type TargetMatcher } from '../core/targets.js';
import { tokenRequestKey, tokenRequestSecrets, type RegistryToken, type TokenRequest } from '../core/tokens.js';
import type { ImagePullSecret, InlineSource, NamespacedName } from '../generated/image-pull-secret.js';
import type { ClusterReader } from '../ports/cluster.js';
import type { TokenProvider } from '../ports/tokens.js';

export interface FileOrigin {
  readonly path: string;
  readonly index?: number | undefined;
}

export interface ImpsInput {
  readonly imps: ImagePullSecret;
  readonly origin?: FileOrigin | undefined;
}

/** Who the render is for, and what the operator allows it (docs/security.md, "Tenant isolation"). */
export interface RenderConsent {
  /** The Argo CD project (ARGOCD_APP_PROJECT_NAME); '' for Argo CD with an unknown project; undefined outside Argo CD. */
  readonly project?: string | undefined;
  /** IMPS_KRM_AMBIENT_IDENTITY_PROJECTS: projects that may mint with the renderer's own cloud identity. */
  readonly ambientProjects?: readonly string[] | undefined;
  /** The controller's --require-source-consent: a source Secret without an annotation is denied. */
  readonly requireConsent?: boolean | undefined;
}

export interface RenderPorts {
  readonly cluster: ClusterReader;
  readonly tokens: TokenProvider;
  /** Absent: no Argo CD project, no required consent (the annotations a source carries still apply). */
  readonly consent?: RenderConsent | undefined;
  /** Blanks credentials out of messages; pass one to share it with the caller's logging. */
  readonly redactor?: Redactor;
  /**
   * Shells: no source contributes a login. Secret sources are blanked by the cluster reader; inline sources have no
   * Secret to read, so this says the same for them and no token is minted.
   */
  readonly withoutCredentials?: boolean | undefined;
}

/** What happened to one ImagePullSecret: the controller turns this into writes and status. */
export interface ImpsOutcome {
  readonly input: ImpsInput;
  /** Selected namespaces every source allows, sorted: where the Secret belongs. */
  readonly namespaces: readonly string[];
  /** Selected namespaces some source does not allow (allowed-namespaces): no Secret there; each is a problem. */
  readonly deniedNamespaces: readonly string[];
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

type SourceResult = { ok: true; credentials: SourceCredentials } | { ok: false; error: string };

/** A source as read: its plan (or why it has none) and what consent needs to know of the Secret it came from. */
interface ReadSource {
  readonly plan: SourcePlan | { readonly error: string };
  /** A Secret from the cluster; undefined for an inline entry and for a Secret among the input manifests. */
  readonly consentOf?: { readonly annotations: SourceSecret['annotations'] } | undefined;
}

/** What resolution hands the render: per source its result; per (ImagePullSecret, source) why it may not use it. */
interface Resolved {
  readonly sources: ReadonlyMap<string, SourceResult>;
  readonly reads: ReadonlyMap<string, ReadSource>;
  readonly refusals: ReadonlyMap<string, string>;
}

/**
 * One source of one CR. `key` is unique across CRs and is what resolution shares: a Secret named by two CRs is read
 * once; an inline entry belongs to its CR. `id` is what status and messages show, next to the CR's name.
 */
interface SourceRef {
  readonly key: string;
  readonly id: string;
  readonly from: { readonly secret: NamespacedName } | { readonly inline: InlineSource };
}

const TOKEN_CONCURRENCY = 8;

export const sourceId = (ref: NamespacedName): string => `${ref.namespace}.${ref.name}`;

/** Source Secrets first, then inline entries, in spec order: the order of sourceStatus and of messages. */
function sourcesOf(imps: ImagePullSecret): SourceRef[] {
  const { credentials = [], inline = [] } = imps.spec.registry;
  return [
    ...credentials.map((ref) => ({ key: sourceId(ref), id: sourceId(ref), from: { secret: ref } })),
    ...inline.map((source, index) => ({ key: inlineSourceKey(imps.metadata.name, index), id: inlineSourceId(index), from: { inline: source } })),
  ];
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

/** Shells read no source and mint nothing, so there is nothing to consent to. */
const consentOf = (ports: RenderPorts): RenderConsent | undefined => (ports.withoutCredentials ? undefined : (ports.consent ?? {}));

/** `<ImagePullSecret name>\0<source key>`: one use of a source. */
const useKey = (imps: ImagePullSecret, key: string): string => `${imps.metadata.name}\0${key}`;

/**
 * Reads and parses every source, decides which ImagePullSecret may use which (the annotations of a Secret from the
 * cluster, the operator's word on ambient identities), then mints the tokens of the allowed uses only: a refused
 * source never makes a token call, so no identity is lent to a tenant the owner did not name. Keyed by SourceRef.key.
 * Inline and Secret sources mint through one set of requests: equal requests share a call.
 */
async function resolveSources(
  inputs: readonly ImpsInput[],
  refs: readonly SourceRef[],
  ports: RenderPorts,
  redactor: Redactor,
): Promise<Resolved> {
  const reads = await readSources(refs, ports, redactor);
  const consent = consentOf(ports);
  const refusals = new Map<string, string>();
  const requests = new Map<string, TokenRequest>();
  for (const { imps } of inputs) {
    for (const { key } of sourcesOf(imps)) {
      const read = reads.get(key)!;
      // Consent first, even for a source that does not parse: a tenant the owner did not name learns nothing of it.
      const refused = consent === undefined ? undefined : useRefusal(imps, read, consent);
      if (refused !== undefined) refusals.set(useKey(imps, key), refused);
      else if (!('error' in read.plan) && read.plan.kind === 'token') requests.set(tokenRequestKey(read.plan.request), read.plan.request);
    }
  }
  const tokens = await fetchTokens(requests, ports.tokens, redactor);

  const ids = new Map(refs.map((ref) => [ref.key, ref.id]));
  const results = new Map<string, SourceResult>();
  for (const [key, { plan }] of reads) {
    const id = ids.get(key) ?? key;
    if ('error' in plan) {
      results.set(key, { ok: false, error: plan.error });
    } else if (plan.kind === 'static') {
      results.set(key, { ok: true, credentials: { source: id, credentials: plan.credentials } });
    } else {
      // No token when every use was refused: those uses never read this result.
      const token = tokens.get(tokenRequestKey(plan.request)) ?? { error: 'not minted' };
      if ('error' in token) {
        results.set(key, { ok: false, error: token.error });
      } else {
        const credential: RegistryCredential = { registry: plan.registry, username: token.username, password: token.password };
        results.set(key, { ok: true, credentials: { source: id, credentials: [credential], expiresAt: token.expiresAt } });
      }
    }
  }
  return { sources: results, reads, refusals };
}

async function readSources(refs: readonly SourceRef[], ports: RenderPorts, redactor: Redactor): Promise<Map<string, ReadSource>> {
  const reads = new Map<string, ReadSource>();
  await Promise.all(
    refs.map(async (ref) => {
      let parsed;
      let consentOfSecret: ReadSource['consentOf'];
      if ('inline' in ref.from) {
        if (ports.withoutCredentials) {
          reads.set(ref.key, { plan: { kind: 'static', credentials: [] } });
          return;
        }
        // Validation has already refused what this refuses; checked again because the pipeline is also called
        // with specs built in code (the refresher), and a credential in a CR must never be used.
        parsed = parseInlineSource(ref.from.inline);
      } else {
        const { namespace, name } = ref.from.secret;
        const secret = await ports.cluster.readSecret(namespace, name);
        if (!secret) {
          reads.set(ref.key, { plan: { error: `Secret ${namespace}/${name} not found` } });
          return;
        }
        // The repository's own Secret manifests are its data: only a Secret from a cluster needs its owner's consent.
        if (!ports.cluster.isInput) consentOfSecret = { annotations: secret.annotations };
        parsed = parseSource(secret);
      }
      redactor.remember(...parsed.credentials);
      reads.set(ref.key, { plan: parsed.ok ? parsed.plan : { error: parsed.errors.join('; ') }, consentOf: consentOfSecret });
    }),
  );
  return reads;
}

/** Why `imps` may not use a source at all, whatever its namespaces: the owner's annotations, then the operator's. */
function useRefusal(imps: ImagePullSecret, read: ReadSource, consent: RenderConsent): string | undefined {
  const decision = decide(imps, read, consent, []);
  if (decision.denied !== undefined) return decision.denied;
  if ('error' in read.plan || read.plan.kind !== 'token') return undefined;
  return ambientIdentityDenial(read.plan.request, consent.project, consent.ambientProjects ?? []);
}

function decide(imps: ImagePullSecret, read: ReadSource, consent: RenderConsent, namespaces: readonly string[]): ConsentDecision {
  return sourceConsent(read.consentOf?.annotations, {
    project: consent.project,
    imagePullSecret: imps.metadata.name,
    namespaces,
    fromInput: read.consentOf === undefined,
    requireConsent: consent.requireConsent,
  });
}

async function fetchTokens(
  requests: ReadonlyMap<string, TokenRequest>,
  provider: TokenProvider,
  redactor: Redactor,
): Promise<Map<string, RegistryToken | { error: string }>> {
  const results = new Map<string, RegistryToken | { error: string }>();
  const queue = [...requests];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [key, request] = next;
      redactor.remember(...tokenRequestSecrets(request));
      try {
        const token = await provider.fetchToken(request);
        redactor.remember(token.password);
        results.set(key, token);
      } catch (error) {
        results.set(key, { error: redactor.redact(errorMessage(error)) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(TOKEN_CONCURRENCY, queue.length) }, worker));
  return results;
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

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
