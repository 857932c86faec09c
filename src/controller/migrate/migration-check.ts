import { runRenderPipeline } from '../../app/render-pipeline.js';
import { KubeApiError, type KubeHttp } from '../../adapters/kube/kube-http.js';
import { listPages, METADATA_ONLY_ACCEPT } from '../../adapters/kube/list-pages.js';
import { IMPS_PATH } from '../../adapters/kube/writes.js';
import { OWNER_LABEL } from '../../core/contract.js';
import type { NamespaceFacts, PodFacts, SecretFacts } from '../../core/facts.js';
import { helmMembership, migrationReport, type MigrationReport, type PlannedImagePullSecret } from '../../core/migration.js';
import { Redactor } from '../../core/redaction.js';
import { IMPS_OWNER_UID_LABEL } from '../../core/secret-ownership.js';
import { planSecrets } from '../../core/secret-plan.js';
import type { SourceSecret } from '../../core/sources.js';
import type { ClusterReader } from '../../ports/cluster.js';
import type { TokenProvider } from '../../ports/tokens.js';
import { hashData, impsEntry, secretFacts, type ImpsEntry } from '../imps/facts.js';
import { asRecord, stringMap } from '../../core/records.js';

// `imps-krm migrate`: reads the cluster (never writes), renders every ImagePullSecret with the controller's own
// pipeline and plans with the controller's own planner, so what it reports is what the controller will do.

const PAGE = 500;

/**
 * Mints nothing: the check reads and parses every source (so a source IMPS could not use either, an untyped Secret or
 * a bad accountID, shows), but asks no registry for a token. The placeholder never leaves the process.
 */
const NO_TOKENS: TokenProvider = { fetchToken: async () => ({ username: 'migrate-check', password: 'not-a-token' }) };

export interface MigrationOptions {
  /** `--require-source-consent` is planned: sources without consent annotations are reported. */
  readonly requireSourceConsent: boolean;
}

export async function checkMigration(http: KubeHttp, options: MigrationOptions): Promise<MigrationReport> {
  const entries: ImpsEntry[] = [];
  const crs = new Map<string, Record<string, unknown>>();
  await listPages(http, IMPS_PATH, { limit: PAGE }, (items) => {
    for (const item of items) {
      const entry = impsEntry(item)?.value;
      if (!entry) continue;
      entries.push(entry);
      crs.set(entry.name, asRecord(asRecord(item)['metadata']));
    }
  });
  const [namespaces, secrets] = await Promise.all([listNamespaces(http), listSecrets(http, entries)]);
  const reader = snapshotReader(http, namespaces);
  const redactor = new Redactor();
  const consent = { requireConsent: options.requireSourceConsent };

  const planned: PlannedImagePullSecret[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const meta = crs.get(entry.name) ?? {};
    const helm = helmMembership({ labels: stringMap(meta['labels']), annotations: stringMap(meta['annotations']) });
    if (!entry.imps) {
      planned.push({ name: entry.name, helm, specChanges: [`invalid spec: ${entry.problems.join('; ')}`], actions: [], current: [] });
      continue;
    }
    const imps = entry.imps;
    const result = await runRenderPipeline([{ imps }], { cluster: reader, tokens: NO_TOKENS, redactor, consent });
    const outcome = result.outcomes[0];
    if (!outcome) {
      planned.push({ name: entry.name, helm, specChanges: result.problems.map((problem) => problem.message), actions: [], current: [] });
      continue;
    }
    const specChanges = Object.entries(outcome.sourceStatus)
      .filter(([, status]) => status !== 'Ok')
      .map(([id, status]) => `source ${id}: ${status}`);
    const rendered = outcome.secrets[0];
    const plan = planSecrets({
      owner: { apiVersion: imps.apiVersion, name: imps.metadata.name, uid: entry.uid, adoptFrom: imps.spec.target.secret.adoptFrom },
      target: imps.spec.target.secret.name,
      serviceAccounts: [],
      failed: outcome.failed,
      selected: outcome.namespaces,
      denied: outcome.deniedNamespaces,
      desired: outcome.secrets.map((manifest) => ({ manifest, dataHash: hashData(manifest.data) })),
      // Shells are counted as filled by the controller; what they are filled with does not matter here.
      shellPayload: rendered?.data ? { data: rendered.data, dataHash: hashData(rendered.data), expiresAt: undefined } : undefined,
      shellDenials: outcome.namespaceDenials,
      secrets,
      serviceAccountFacts: [],
    });
    planned.push({ name: entry.name, helm, specChanges: specChanges.map((change) => redactor.redact(change)), actions: plan.actions, current: plan.current });
  }

  const live = new Set(entries.map((entry) => entry.uid));
  const orphans = secrets
    .filter((secret) => secret.labels[OWNER_LABEL] === undefined && secret.labels[IMPS_OWNER_UID_LABEL] !== undefined && !live.has(secret.labels[IMPS_OWNER_UID_LABEL]!))
    .map((secret) => ({
      namespace: secret.namespace,
      name: secret.name,
      detail:
        secret.ownerReferences.length > 0
          ? 'IMPS Secret of an ImagePullSecret that is gone: the garbage collector removes it, as with IMPS'
          : 'IMPS Secret of an ImagePullSecret that is gone, with no owner reference: nothing removes it; delete it once no Pod uses it',
    }));
  return migrationReport(planned, orphans);
}

async function listNamespaces(http: KubeHttp): Promise<NamespaceFacts[]> {
  const namespaces: NamespaceFacts[] = [];
  await listPages(http, '/api/v1/namespaces', { limit: PAGE, accept: METADATA_ONLY_ACCEPT, onRestart: () => namespaces.splice(0) }, (items) => {
    for (const item of items) {
      const meta = asRecord(asRecord(item)['metadata']);
      // A namespace being deleted takes no new content: not a target (as the controller's cache).
      if (typeof meta['name'] !== 'string' || meta['deletionTimestamp']) continue;
      namespaces.push({ name: meta['name'], labels: stringMap(meta['labels']), annotations: stringMap(meta['annotations']) });
    }
  });
  return namespaces;
}

/** The Secrets the controller's caches would hold: ours (and shells), IMPS's, and whatever sits at a target name. */
async function listSecrets(http: KubeHttp, entries: readonly ImpsEntry[]): Promise<SecretFacts[]> {
  const found = new Map<string, SecretFacts>();
  const collect = (items: readonly unknown[]): void => {
    for (const item of items) {
      const facts = secretFacts(item);
      if (facts) found.set(`${facts.namespace}/${facts.name}`, facts);
    }
  };
  const targets = new Set(entries.flatMap((entry) => (entry.imps ? [entry.imps.spec.target.secret.name] : [])));
  await listPages(http, '/api/v1/secrets', { limit: PAGE, labelSelector: OWNER_LABEL }, collect);
  await listPages(http, '/api/v1/secrets', { limit: PAGE, labelSelector: IMPS_OWNER_UID_LABEL }, collect);
  for (const name of [...targets].sort()) await listPages(http, '/api/v1/secrets', { limit: PAGE, fieldSelector: `metadata.name=${name}` }, collect);
  return [...found.values()];
}

/** The pipeline's view of the cluster: namespaces as listed, Pods and source Secrets read when asked. */
function snapshotReader(http: KubeHttp, namespaces: readonly NamespaceFacts[]): ClusterReader {
  return {
    description: `cluster ${http.server}`,
    listNamespaces: async () => [...namespaces],
    scanPods: async (visit) => {
      await listPages(http, '/api/v1/pods', { limit: PAGE, accept: METADATA_ONLY_ACCEPT }, (items) => {
        for (const item of items) {
          const meta = asRecord(asRecord(item)['metadata']);
          if (typeof meta['namespace'] === 'string') visit({ namespace: meta['namespace'], labels: stringMap(meta['labels']), annotations: stringMap(meta['annotations']) } satisfies PodFacts);
        }
      });
    },
    readSecret: async (namespace, name): Promise<SourceSecret | undefined> => {
      let secret: unknown;
      try {
        secret = await http.request('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`);
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) return undefined;
        throw error;
      }
      const record = asRecord(secret);
      return {
        type: typeof record['type'] === 'string' ? record['type'] : undefined,
        annotations: stringMap(asRecord(record['metadata'])['annotations']),
        data: asRecord(record['data']),
      };
    },
  };
}
