import { explanationDocument } from '../../app/explain-documents.js';
import { explainTargets } from '../../app/explain-targets.js';
import { oneLine } from '../../core/explain.js';
import { dns1123LabelErrors } from '../../core/names.js';
import { compareStrings } from '../../core/targets.js';
import type { ImagePullSecretExplanation } from '../../generated/explanation.js';
import type { OpsReply } from '../runtime/ops-server.js';
import type { ClusterCache } from './cluster-cache.js';

/** As many namespaces as `imps-krm explain --namespace` may ask about. */
const MAX_NAMESPACES = 100;

export interface ExplainSource {
  /** The leading replica's caches; undefined on a standby, which has none. */
  readonly cache: ClusterCache | undefined;
  readonly ready: boolean;
  readonly requireConsent: boolean;
}

/**
 * `GET /explain?namespace=NAME&...|all=true`: `imps-krm explain` in controller-cache mode. Computed on request from
 * the informer caches the controller keeps anyway (no cache, no API call, no list of its own), with the controller's
 * own consent setting, and answered with schemas/explanation.schema.json. It names ImagePullSecrets, namespaces,
 * Pods, rules and source Secrets; of a source Secret only the annotations are read, never its data.
 */
export async function explainEndpoint(query: URLSearchParams, source: ExplainSource): Promise<OpsReply> {
  const namespaces = query.getAll('namespace');
  const all = query.get('all') === 'true';
  if (namespaces.length > MAX_NAMESPACES) return text(400, `at most ${MAX_NAMESPACES} namespace parameters`);
  if (namespaces.some((name) => dns1123LabelErrors(name).length > 0)) return text(400, 'namespace must be a namespace name');
  if (namespaces.length > 0 && all) return text(400, 'namespace and all cannot be used together');
  if (!source.cache) return text(503, 'this replica is not leading (a standby, or starting): port-forward to the Pod holding the Lease');
  if (!source.ready) return text(503, 'caches not synced');

  const entries = [...source.cache.imps.items.values()].sort((a, b) => compareStrings(a.name, b.name));
  const valid = entries.flatMap((entry) => (entry.imps ? [{ imps: entry.imps }] : []));
  const explained = await explainTargets(valid, source.cache.reader({ podNames: true }), {
    namespaces: namespaces.length > 0 ? namespaces : undefined,
    all,
    requireConsent: source.requireConsent,
  });
  const byName = new Map(explained.map((explanation) => [explanation.name, explanation]));
  const items: ImagePullSecretExplanation[] = entries.map(
    (entry) =>
      byName.get(entry.name) ?? {
        name: entry.name,
        secret: '',
        namespaces: [],
        unlisted: source.cache?.namespaces.items.size ?? 0,
        problems: entry.problems.map((problem) => `invalid spec, so no namespace gets its Secret: ${oneLine(problem)}`),
      },
  );
  const document = explanationDocument('controller-cache', source.cache.reader().description, items);
  return { status: 200, body: `${JSON.stringify(document)}\n`, type: 'application/json' };
}

const text = (status: number, message: string): OpsReply => ({ status, body: `${message}\n` });
