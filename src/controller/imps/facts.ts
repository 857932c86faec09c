import { createHash } from 'node:crypto';
import { validateImps } from '../../app/select-inputs.js';
import { ADDED_PULL_SECRETS_ANNOTATION } from '../../core/contract.js';
import type { OwnerReferenceFacts, SecretFacts, ServiceAccountFacts } from '../../core/facts.js';
import type { ImagePullSecret, ImagePullSecretStatus } from '../../generated/image-pull-secret.js';
import { asRecord, stringMap } from '../../core/records.js';

// API objects reduced to what the controller keeps (the core's facts), with no payload: checked, never trusted.

/** An ImagePullSecret as cached: invalid ones are kept too, so their Secrets are never taken for orphans. */
export interface ImpsEntry {
  readonly name: string;
  readonly uid: string;
  readonly generation: number | undefined;
  readonly imps: ImagePullSecret | undefined;
  /** Validation problems, `field: message`; empty when `imps` is set. */
  readonly problems: readonly string[];
  readonly status: ImagePullSecretStatus | undefined;
}

/**
 * Annotations holding a copy of the whole object, Secret data included: kubectl's (client-side apply, Argo CD) and
 * IMPS's (banzaicloud/imps via k8s-objectmatcher: base64 of a zip of the Secret, credential included). Only their
 * presence is kept, so no credential copy sits in the cache.
 */
export const OBJECT_COPY_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration', 'banzaicloud.com/last-applied'] as const;

export function hashData(data: Readonly<Record<string, unknown>> | undefined): string {
  const entries = Object.entries(data ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex');
}

export function secretFacts(object: unknown): SecretFacts | undefined {
  const record = asRecord(object);
  const meta = asRecord(record['metadata']);
  if (typeof meta['name'] !== 'string' || typeof meta['namespace'] !== 'string') return undefined;
  const annotations = stringMap(meta['annotations']);
  for (const key of OBJECT_COPY_ANNOTATIONS) if (key in annotations) annotations[key] = '';
  const data = asRecord(record['data']);
  return {
    namespace: meta['namespace'],
    name: meta['name'],
    uid: typeof meta['uid'] === 'string' ? meta['uid'] : '',
    resourceVersion: typeof meta['resourceVersion'] === 'string' ? meta['resourceVersion'] : '',
    type: typeof record['type'] === 'string' ? record['type'] : 'Opaque',
    labels: stringMap(meta['labels']),
    annotations,
    ownerReferences: ownerReferences(meta['ownerReferences']),
    dataHash: hashData(data),
    dataKeys: Object.keys(data),
  };
}

function ownerReferences(value: unknown): OwnerReferenceFacts[] {
  if (!Array.isArray(value)) return [];
  return value.map(asRecord).map((ref) => ({
    apiVersion: typeof ref['apiVersion'] === 'string' ? ref['apiVersion'] : '',
    kind: typeof ref['kind'] === 'string' ? ref['kind'] : '',
    name: typeof ref['name'] === 'string' ? ref['name'] : '',
    uid: typeof ref['uid'] === 'string' ? ref['uid'] : '',
    ...(typeof ref['controller'] === 'boolean' ? { controller: ref['controller'] } : {}),
  }));
}

export function serviceAccountFacts(object: unknown): ServiceAccountFacts | undefined {
  const record = asRecord(object);
  const meta = asRecord(record['metadata']);
  if (typeof meta['name'] !== 'string' || typeof meta['namespace'] !== 'string') return undefined;
  const added = stringMap(meta['annotations'])[ADDED_PULL_SECRETS_ANNOTATION];
  return {
    namespace: meta['namespace'],
    name: meta['name'],
    resourceVersion: typeof meta['resourceVersion'] === 'string' ? meta['resourceVersion'] : '',
    imagePullSecrets: Array.isArray(record['imagePullSecrets']) ? (record['imagePullSecrets'] as unknown[]) : [],
    added: added || undefined,
  };
}

export function impsEntry(object: unknown): { key: string; value: ImpsEntry } | undefined {
  const record = asRecord(object);
  const meta = asRecord(record['metadata']);
  if (typeof meta['name'] !== 'string') return undefined;
  const result = validateImps(record);
  const invalid = Array.isArray(result);
  const status = asRecord(record['status']);
  const value: ImpsEntry = {
    name: meta['name'],
    uid: typeof meta['uid'] === 'string' ? meta['uid'] : '',
    generation: typeof meta['generation'] === 'number' ? meta['generation'] : undefined,
    imps: invalid ? undefined : result.imps,
    problems: invalid ? result.map((p) => `${p.field ?? ''}: ${p.message}`) : [],
    // Written only by us, through the same types: read back as such.
    status: Object.keys(status).length > 0 ? (status as ImagePullSecretStatus) : undefined,
  };
  return { key: value.name, value };
}
