import { mergeCredentials, type RegistryCredential, type SourceCredentials } from '../core/docker-config.js';
import type { NamespaceFacts } from '../core/facts.js';
import { inlineSourceId, inlineSourceKey, parseInlineSource } from '../core/inline-sources.js';
import type { Problem, ResourceRef } from '../core/problems.js';
import { Redactor } from '../core/redaction.js';
import { renderPullSecrets, type PullSecretManifest } from '../core/render.js';
import { parseSource, type SourcePlan } from '../core/sources.js';
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

export interface RenderPorts {
  readonly cluster: ClusterReader;
  readonly tokens: TokenProvider;
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
  /** Selected namespaces, sorted. */
  readonly namespaces: readonly string[];
  /** Empty when any error concerns this ImagePullSecret: never a partial docker config. */
  readonly secrets: readonly PullSecretManifest[];
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
  let sources: Map<string, SourceResult>;
  try {
    [namespaces, podMatches, sources] = await Promise.all([
      ports.cluster.listNamespaces(),
      scanPods(ports.cluster, matchers),
      resolveSources(refs, ports, redactor),
    ]);
  } catch (error) {
    const message = redactor.redact(errorMessage(error));
    return { outcomes: [], problems: [{ severity: 'error', message: `${ports.cluster.description}: ${message}` }] };
  }

  const outcomes = inputs.map((input, index) =>
    renderOne(input, matchers[index]!, namespaces, podMatches[index]!, sources),
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

/** Keyed by SourceRef.key. Inline and Secret sources mint through one set of requests: equal requests share a call. */
async function resolveSources(
  refs: readonly SourceRef[],
  ports: RenderPorts,
  redactor: Redactor,
): Promise<Map<string, SourceResult>> {
  const plans = new Map<string, SourcePlan | { error: string }>();
  const ids = new Map(refs.map((ref) => [ref.key, ref.id]));
  await Promise.all(
    refs.map(async (ref) => {
      let parsed;
      if ('inline' in ref.from) {
        if (ports.withoutCredentials) {
          plans.set(ref.key, { kind: 'static', credentials: [] });
          return;
        }
        // Validation has already refused what this refuses; checked again because the pipeline is also called
        // with specs built in code (the refresher), and a credential in a CR must never be used.
        parsed = parseInlineSource(ref.from.inline);
      } else {
        const { namespace, name } = ref.from.secret;
        const secret = await ports.cluster.readSecret(namespace, name);
        if (!secret) {
          plans.set(ref.key, { error: `Secret ${namespace}/${name} not found` });
          return;
        }
        parsed = parseSource(secret);
      }
      redactor.remember(...parsed.credentials);
      plans.set(ref.key, parsed.ok ? parsed.plan : { error: parsed.errors.join('; ') });
    }),
  );

  const requests = new Map<string, TokenRequest>();
  for (const plan of plans.values()) {
    if ('kind' in plan && plan.kind === 'token') requests.set(tokenRequestKey(plan.request), plan.request);
  }
  const tokens = await fetchTokens(requests, ports.tokens, redactor);

  const results = new Map<string, SourceResult>();
  for (const [key, plan] of plans) {
    const id = ids.get(key) ?? key;
    if ('error' in plan) {
      results.set(key, { ok: false, error: plan.error });
    } else if (plan.kind === 'static') {
      results.set(key, { ok: true, credentials: { source: id, credentials: plan.credentials } });
    } else {
      const token = tokens.get(tokenRequestKey(plan.request))!;
      if ('error' in token) {
        results.set(key, { ok: false, error: token.error });
      } else {
        const credential: RegistryCredential = { registry: plan.registry, username: token.username, password: token.password };
        results.set(key, { ok: true, credentials: { source: id, credentials: [credential], expiresAt: token.expiresAt } });
      }
    }
  }
  return results;
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
  sources: ReadonlyMap<string, SourceResult>,
): ImpsOutcome {
  const { imps, origin } = input;
  const resource = impsRef(imps);
  const problems: Problem[] = [];
  const sourceStatus: Record<string, string> = {};
  const contributions: SourceCredentials[] = [];
  for (const { key, id } of sourcesOf(imps)) {
    const result = sources.get(key)!;
    if (result.ok) {
      sourceStatus[id] = 'Ok';
      contributions.push(result.credentials);
    } else {
      sourceStatus[id] = result.error;
      problems.push({ severity: 'error', resource, file: origin, source: id, message: result.error });
    }
  }
  const { config, conflicts } = mergeCredentials(contributions);
  for (const conflict of conflicts) {
    problems.push({
      severity: 'error',
      resource,
      file: origin,
      // Kept as IMPS users know it when both are Secrets; an inline entry lives beside `credentials`.
      field: conflict.sources.some((source) => source.startsWith('inline[')) ? 'spec.registry' : 'spec.registry.credentials',
      message: `registry ${conflict.registry} is given by both ${conflict.sources[0]} and ${conflict.sources[1]} with different logins; keep it in one source`,
    });
  }
  const selected = selectNamespaces(matcher, namespaces, withMatchingPods);
  const known = new Set(namespaces.map((namespace) => namespace.name));
  for (const name of matcher.names) {
    if (!known.has(name) && !matcher.excludes(name)) {
      problems.push({ severity: 'warning', resource, file: origin, field: 'spec.target.namespaces.names', message: `namespace ${name} does not exist; skipped` });
    }
  }
  const failed = problems.some((problem) => problem.severity === 'error');
  return {
    input,
    namespaces: selected,
    secrets: failed ? [] : renderPullSecrets(imps, selected, config),
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
