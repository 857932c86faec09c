import { KubeApiError, type KubeHttp } from './kube-http.js';

/** The Secret and CR writes the controller and refresher make. Every write is conditional on what was read. */
export interface SecretBody {
  readonly apiVersion: 'v1';
  readonly kind: 'Secret';
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly type: string;
  readonly data?: Readonly<Record<string, string>>;
}

const secretPath = (namespace: string, name?: string): string =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

export const IMPS_PATH = '/apis/images.banzaicloud.io/v1alpha1/imagepullsecrets';
const MERGE_PATCH = 'application/merge-patch+json';

export function createSecret(http: KubeHttp, body: SecretBody): Promise<unknown> {
  return http.request('POST', secretPath(body.metadata.namespace), { body });
}

/** JSON merge patch; include `metadata.resourceVersion` for optimistic concurrency. */
export function patchSecret(http: KubeHttp, namespace: string, name: string, patch: unknown): Promise<unknown> {
  return http.request('PATCH', secretPath(namespace, name), { body: patch, contentType: MERGE_PATCH });
}

export function readSecret(http: KubeHttp, namespace: string, name: string): Promise<unknown> {
  return http.request('GET', secretPath(namespace, name));
}

/**
 * Deletes only the exact object we decided to delete (uid and resourceVersion preconditions): a Secret recreated
 * by someone else under the same name in the meantime is left alone. Already gone counts as done.
 */
export async function deleteSecret(http: KubeHttp, namespace: string, name: string, uid: string, resourceVersion: string): Promise<void> {
  try {
    await http.request('DELETE', secretPath(namespace, name), {
      body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid, resourceVersion } },
    });
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return;
    throw error;
  }
}

const serviceAccountPath = (namespace: string, name: string): string =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(name)}`;

/** JSON merge patch of a ServiceAccount; the caller puts `metadata.resourceVersion` in it (lists are replaced whole). */
export function patchServiceAccount(http: KubeHttp, namespace: string, name: string, patch: unknown): Promise<unknown> {
  return http.request('PATCH', serviceAccountPath(namespace, name), { body: patch, contentType: MERGE_PATCH });
}

export function readServiceAccount(http: KubeHttp, namespace: string, name: string): Promise<unknown> {
  return http.request('GET', serviceAccountPath(namespace, name));
}

export function patchImpsStatus(http: KubeHttp, name: string, status: unknown): Promise<unknown> {
  return http.request('PATCH', `${IMPS_PATH}/${encodeURIComponent(name)}/status`, { body: { status }, contentType: MERGE_PATCH });
}

export interface EventInput {
  readonly namespace: string;
  readonly involved: { apiVersion: string; kind: string; name: string; uid?: string | undefined; namespace?: string | undefined };
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  readonly component: string;
  readonly time: string;
}

/** A core/v1 Event, as `kubectl describe` shows them. */
export function createEvent(http: KubeHttp, event: EventInput): Promise<unknown> {
  const suffix = `${Date.parse(event.time).toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`;
  return http.request('POST', `/api/v1/namespaces/${encodeURIComponent(event.namespace)}/events`, {
    body: {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${event.involved.name}.${suffix}`, namespace: event.namespace },
      involvedObject: event.involved,
      type: event.type,
      reason: event.reason,
      message: event.message.slice(0, 1024),
      source: { component: event.component },
      reportingComponent: event.component,
      firstTimestamp: event.time,
      lastTimestamp: event.time,
      count: 1,
    },
  });
}
