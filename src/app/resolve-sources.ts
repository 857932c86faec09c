import { ambientIdentityDenial, sourceConsent, type ConsentDecision } from '../core/consent.js';
import type { RegistryCredential, SourceCredentials } from '../core/docker-config.js';
import { inlineSourceId, inlineSourceKey, parseInlineSource } from '../core/inline-sources.js';
import type { Redactor } from '../core/redaction.js';
import { parseSource, type SourcePlan, type SourceSecret } from '../core/sources.js';
import { tokenRequestKey, tokenRequestSecrets, type RegistryToken, type TokenRequest } from '../core/tokens.js';
import type { ImagePullSecret, InlineSource, NamespacedName } from '../generated/image-pull-secret.js';
import type { TokenProvider } from '../ports/tokens.js';
import type { ImpsInput, RenderConsent, RenderPorts } from './pipeline-types.js';

// Resolution: read every source once, decide who may use it, mint the tokens of the allowed uses.

export type SourceResult = { ok: true; credentials: SourceCredentials } | { ok: false; error: string };

/** A source as read: its plan (or why it has none) and what consent needs to know of the Secret it came from. */
export interface ReadSource {
  readonly plan: SourcePlan | { readonly error: string };
  /** A Secret from the cluster; undefined for an inline entry and for a Secret among the input manifests. */
  readonly consentOf?: { readonly annotations: SourceSecret['annotations'] } | undefined;
}

/** What resolution hands the render: per source its result; per (ImagePullSecret, source) why it may not use it. */
export interface Resolved {
  readonly sources: ReadonlyMap<string, SourceResult>;
  readonly reads: ReadonlyMap<string, ReadSource>;
  readonly refusals: ReadonlyMap<string, string>;
}

/**
 * One source of one CR. `key` is unique across CRs and is what resolution shares: a Secret named by two CRs is read
 * once; an inline entry belongs to its CR. `id` is what status and messages show, next to the CR's name.
 */
export interface SourceRef {
  readonly key: string;
  readonly id: string;
  readonly from: { readonly secret: NamespacedName } | { readonly inline: InlineSource };
}

const TOKEN_CONCURRENCY = 8;

export const sourceId = (ref: NamespacedName): string => `${ref.namespace}.${ref.name}`;

/** Source Secrets first, then inline entries, in spec order: the order of sourceStatus and of messages. */
export function sourcesOf(imps: ImagePullSecret): SourceRef[] {
  const { credentials = [], inline = [] } = imps.spec.registry;
  return [
    ...credentials.map((ref) => ({ key: sourceId(ref), id: sourceId(ref), from: { secret: ref } })),
    ...inline.map((source, index) => ({ key: inlineSourceKey(imps.metadata.name, index), id: inlineSourceId(index), from: { inline: source } })),
  ];
}

/** Shells read no source and mint nothing, so there is nothing to consent to. */
export const consentOf = (ports: RenderPorts): RenderConsent | undefined => (ports.withoutCredentials ? undefined : (ports.consent ?? {}));

/** `<ImagePullSecret name>\0<source key>`: one use of a source. */
export const useKey = (imps: ImagePullSecret, key: string): string => `${imps.metadata.name}\0${key}`;

/**
 * Reads and parses every source, decides which ImagePullSecret may use which (the annotations of a Secret from the
 * cluster, the operator's word on ambient identities), then mints the tokens of the allowed uses only: a refused
 * source never makes a token call, so no identity is lent to a tenant the owner did not name. Keyed by SourceRef.key.
 * Inline and Secret sources mint through one set of requests: equal requests share a call.
 */
export async function resolveSources(
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

export function decide(imps: ImagePullSecret, read: ReadSource, consent: RenderConsent, namespaces: readonly string[]): ConsentDecision {
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

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
