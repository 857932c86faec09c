import { runRenderPipeline } from '../../app/render-pipeline.js';
import { KubeApiError, type KubeHttp } from '../../adapters/kube/kube-http.js';
import { listPages, METADATA_ONLY_ACCEPT } from '../../adapters/kube/list-pages.js';
import { IMPS_PATH } from '../../adapters/kube/writes.js';
import { OWNER_LABEL } from '../../core/contract.js';
import type { NamespaceFacts, PodFacts, SecretFacts } from '../../core/facts.js';
import { helmMembership, migrationReport, type CrdMigration, type MigrationReport, type PlannedImagePullSecret } from '../../core/migration.js';
import { ACR_PULL_BINDING_LABEL, bindingDefaultsFrom } from '../../core/acr-pull-binding.js';
import { errorMessage } from '../../core/problems.js';
import { acrEndpoint, acrSettingsFromEnv } from '../../adapters/azure/acr-token-provider.js';
import { bindingEntry, BINDING_PATHS, type BindingEntry } from '../acrpull/binding-facts.js';
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
  /**
   * The environment the controller will run with (the person running `migrate` exports the same): AcrPullBindings'
   * defaults (ACR_SERVER, MANAGED_IDENTITY_*) and the ACR allow-list.
   */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
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

  const bindings = await planBindings(http, reader, redactor, options);
  planned.push(...bindings.planned);

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
  return migrationReport(planned, orphans, bindings.crds);
}

const CRD_NAMES = ['acrpullbindings.msi-acrpull.microsoft.com', 'acrpullbindings.acrpull.microsoft.com'];

/**
 * msi-acrpull's AcrPullBindings, planned with the controller's own code (binding-reconciler.ts does the same), and
 * its CRDs with the Helm release holding them. A cluster without msi-acrpull's CRDs has no binding: nothing to do.
 */
async function planBindings(
  http: KubeHttp,
  reader: ClusterReader,
  redactor: Redactor,
  options: MigrationOptions,
): Promise<{ planned: PlannedImagePullSecret[]; crds: CrdMigration[] }> {
  const env = options.env ?? {};
  const defaults = bindingDefaultsFrom(env);
  const acr = acrSettingsFromEnv(env as NodeJS.ProcessEnv);
  const entries: BindingEntry[] = [];
  for (const [apiVersion, path] of Object.entries(BINDING_PATHS)) {
    try {
      await listPages(http, path, { limit: PAGE }, (items) => {
        for (const item of items) {
          const entry = bindingEntry(item, apiVersion, defaults)?.value;
          if (entry) entries.push(entry);
        }
      });
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    }
  }
  const crds: CrdMigration[] = [];
  for (const name of CRD_NAMES) {
    try {
      const meta = asRecord(asRecord(await http.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`))['metadata']);
      crds.push({ name, helm: helmMembership({ labels: stringMap(meta['labels']), annotations: stringMap(meta['annotations']) }) });
    } catch (error) {
      if (!(error instanceof KubeApiError && (error.status === 404 || error.status === 403))) throw error;
    }
  }
  const labelled: SecretFacts[] = [];
  if (entries.length > 0) {
    const collect = (items: readonly unknown[]): void => {
      for (const item of items) {
        const facts = secretFacts(item);
        if (facts) labelled.push(facts);
      }
    };
    await listPages(http, '/api/v1/secrets', { limit: PAGE, labelSelector: OWNER_LABEL }, collect);
    await listPages(http, '/api/v1/secrets', { limit: PAGE, labelSelector: ACR_PULL_BINDING_LABEL }, collect);
  }
  const planned: PlannedImagePullSecret[] = [];
  const order = (entry: BindingEntry): string => `${entry.namespace}/${entry.name}/${entry.apiVersion}`;
  for (const entry of entries.sort((a, b) => (order(a) < order(b) ? -1 : 1))) {
    const head = { kind: 'AcrPullBinding' as const, apiVersion: entry.apiVersion, name: `${entry.namespace}/${entry.name}` };
    if (!entry.valid) {
      planned.push({ ...head, specChanges: [`invalid spec: ${entry.problems.join('; ')}`], actions: [], current: [] });
      continue;
    }
    const { input, target } = entry.valid;
    const specChanges: string[] = [];
    const registry = target.source.kind === 'token' && target.source.request.provider === 'acr' ? target.source.request.registry : undefined;
    if (registry !== undefined) {
      try {
        acrEndpoint(registry, acr);
      } catch (error) {
        specChanges.push(`source acr: ${errorMessage(error)}`);
      }
    }
    const result = await runRenderPipeline([input], { cluster: reader, tokens: NO_TOKENS, redactor, consent: {} });
    const outcome = result.outcomes[0];
    if (!outcome) {
      planned.push({ ...head, specChanges: result.problems.map((problem) => problem.message), actions: [], current: [] });
      continue;
    }
    const secrets = labelled.filter((secret) => secret.namespace === entry.namespace);
    if (!secrets.some((secret) => secret.name === target.secretName)) {
      // msi-acrpull before v0.1.4 labelled nothing: its Secret is found by name, as the controller finds it.
      try {
        const facts = secretFacts(await http.request('GET', `/api/v1/namespaces/${encodeURIComponent(entry.namespace)}/secrets/${encodeURIComponent(target.secretName)}`));
        if (facts) secrets.push(facts);
      } catch (error) {
        if (!(error instanceof KubeApiError && error.status === 404)) throw error;
      }
    }
    const rendered = outcome.secrets[0];
    const plan = planSecrets({
      owner: { apiVersion: entry.apiVersion, name: entry.key, uid: entry.uid, binding: { name: entry.name } },
      target: target.secretName,
      serviceAccounts: [],
      failed: outcome.failed,
      selected: outcome.namespaces,
      denied: outcome.deniedNamespaces,
      desired: outcome.secrets.map((manifest) => ({ manifest, dataHash: hashData(manifest.data) })),
      shellPayload: rendered?.data ? { data: rendered.data, dataHash: hashData(rendered.data), expiresAt: undefined } : undefined,
      shellDenials: (namespace) => (namespace === entry.namespace ? [] : ['not its namespace']),
      secrets,
      serviceAccountFacts: [],
    });
    const problems = outcome.problems.filter((problem) => problem.severity === 'error').map((problem) => (problem.source ? `source ${problem.source}: ${problem.message}` : problem.message));
    planned.push({ ...head, specChanges: [...specChanges, ...problems].map((change) => redactor.redact(change)), actions: plan.actions, current: plan.current });
  }
  return { planned, crds };
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
