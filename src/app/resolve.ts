import { readsCredentials, type RenderFacts } from '../core/assemble.js';
import { parseInlineSource } from '../core/inline-sources.js';
import type { ImpsInput, RenderConsent } from '../core/outcome.js';
import { errorMessage } from '../core/problems.js';
import type { Redactor } from '../core/redaction.js';
import type { RenderOutput } from '../core/render.js';
import { sourcesOf, uniqueSources, type SourceRef } from '../core/source-refs.js';
import { useRefusal, type SourceFacts, type TokenResult } from '../core/source-facts.js';
import { parseSource } from '../core/sources.js';
import { compileTarget, type TargetMatcher } from '../core/targets.js';
import { tokenRequestKey, tokenRequestSecrets, type TokenRequest } from '../core/tokens.js';
import type { ClusterReader } from '../ports/cluster.js';
import type { TokenProvider } from '../ports/tokens.js';

// The I/O half of a render: gather the facts core/assemble.ts decides with. Costs: one namespace list, one Pod scan
// (only when a rule needs Pods), one read per distinct source Secret, one token call per distinct credential.

export interface ResolvePorts {
  readonly cluster: ClusterReader;
  readonly tokens: TokenProvider;
  readonly consent: RenderConsent;
  readonly output: RenderOutput;
  /** Learns every credential read or minted, so no message can carry one. */
  readonly redactor: Redactor;
}

const TOKEN_CONCURRENCY = 8;

/** Throws when the cluster cannot be read; a source that is missing, unreadable as a source or unminted is a fact. */
export async function resolve(inputs: readonly ImpsInput[], ports: ResolvePorts): Promise<RenderFacts> {
  const matchers = inputs.map(({ imps }) => compileTarget(imps.spec.target));
  // Side by side, but the error reported is the first in this order, not the first to arrive: the same cluster
  // gives the same message every run.
  const [namespaces, podNamespaces, credentials] = await inOrder([
    ports.cluster.listNamespaces(),
    scanPods(ports.cluster, matchers),
    readsCredentials(ports.output) ? resolveCredentials(inputs, ports) : Promise.resolve({ sources: new Map(), tokens: new Map() }),
  ] as const);
  return { namespaces, podNamespaces, ...credentials, live: ports.cluster.isInput !== true };
}

/** Promise.all that rejects with the first failure in list order, once every promise has settled. */
async function inOrder<T extends readonly unknown[]>(promises: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
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

/**
 * Reads and parses every source once, then mints the tokens of the allowed uses only: a refused source never makes
 * a token call, so no identity is lent to a tenant the owner did not name. Inline and Secret sources mint through
 * one set of requests: equal requests share a call.
 */
async function resolveCredentials(
  inputs: readonly ImpsInput[],
  ports: ResolvePorts,
): Promise<Pick<RenderFacts, 'sources' | 'tokens'>> {
  const sources = await readSources(uniqueSources(inputs), ports);
  const requests = new Map<string, TokenRequest>();
  for (const input of inputs) {
    const { imps } = input;
    for (const { key } of sourcesOf(input)) {
      const source = sources.get(key)!;
      if ('error' in source.plan || source.plan.kind !== 'token' || useRefusal(imps, source, ports.consent) !== undefined) continue;
      requests.set(tokenRequestKey(source.plan.request), source.plan.request);
    }
  }
  return { sources, tokens: await fetchTokens(requests, ports.tokens, ports.redactor) };
}

async function readSources(refs: readonly SourceRef[], ports: ResolvePorts): Promise<Map<string, SourceFacts>> {
  const reads = new Map<string, SourceFacts>();
  await Promise.all(
    refs.map(async (ref) => {
      let parsed;
      let consentOf: SourceFacts['consentOf'];
      if ('binding' in ref.from) {
        // An AcrPullBinding's own fields: nothing to read. Its use of the process's identity is the operator's to
        // allow for an Argo CD project (useRefusal, like every token source).
        reads.set(ref.key, { plan: ref.from.binding });
        return;
      }
      if ('inline' in ref.from) {
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
        if (!ports.cluster.isInput) consentOf = { annotations: secret.annotations };
        parsed = parseSource(secret);
      }
      ports.redactor.remember(...parsed.credentials);
      reads.set(ref.key, { plan: parsed.ok ? parsed.plan : { error: parsed.errors.join('; ') }, consentOf });
    }),
  );
  return reads;
}

async function fetchTokens(requests: ReadonlyMap<string, TokenRequest>, provider: TokenProvider, redactor: Redactor): Promise<Map<string, TokenResult>> {
  const results = new Map<string, TokenResult>();
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
