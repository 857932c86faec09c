// The fake apiserver enforces the real server's rules, with the real Status shape. One test per rule; each names
// the Kubernetes source it mirrors (the fake's files cite it too). A rule taken out of the fake fails its test.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeKubeApi, type KubeObject, startFakeKubeApi } from './kube-api-server.js';
import { waitFor } from '../support/wait-for.js';

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

async function call(fake: FakeKubeApi, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
  const res = await fetch(fake.url + path, {
    method,
    headers: { Authorization: 'Bearer fake-token', ...(body !== undefined ? { 'Content-Type': contentType } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const ns = (name: string, extra: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, ...extra });
const secret = (name: string, type: string, data?: Record<string, string>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name },
  type,
  ...(data ? { data } : {}),
  ...extra,
});
const SECRETS = '/api/v1/namespaces/app/secrets';
const IMPS_PATH = '/apis/images.banzaicloud.io/v1alpha1/imagepullsecrets';
const impsBody = (name: string): Record<string, unknown> => ({
  apiVersion: 'images.banzaicloud.io/v1alpha1',
  kind: 'ImagePullSecret',
  metadata: { name },
  spec: { registry: { credentials: [{ name: 'src', namespace: 'app' }] }, target: { secret: { name: 'pull' } } },
});

let fake: FakeKubeApi;
beforeAll(async () => {
  fake = await startFakeKubeApi({ objects: [ns('default'), ns('app'), ns('gone', { status: { phase: 'Terminating' }, metadata: { name: 'gone', deletionTimestamp: '2026-01-01T00:00:00Z' } })] });
});
afterAll(async () => {
  await fake.close();
});

describe('Secret validation per type (pkg/apis/core/validation/validation.go ValidateSecret)', () => {
  it('kubernetes.io/dockerconfigjson needs .dockerconfigjson, as a JSON object', async () => {
    const missing = await call(fake, 'POST', SECRETS, secret('shell', 'kubernetes.io/dockerconfigjson'));
    expect(missing.status).toBe(422);
    expect(missing.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Secret "shell" is invalid: data[.dockerconfigjson]: Required value',
      reason: 'Invalid',
      details: { name: 'shell', kind: 'Secret', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'data[.dockerconfigjson]' }] },
      code: 422,
    });
    const notJson = await call(fake, 'POST', SECRETS, secret('shell', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('x') }));
    expect(notJson.json.message).toBe(`Secret "shell" is invalid: data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character 'x' looking for beginning of value`);
    const array = await call(fake, 'POST', SECRETS, secret('shell', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('[]') }));
    expect(array.json.message).toBe('Secret "shell" is invalid: data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": json: cannot unmarshal array into Go value of type map[string]interface {}');
    const empty = await call(fake, 'POST', SECRETS, secret('shell', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': '' }));
    expect(empty.json.message).toBe('Secret "shell" is invalid: data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": unexpected end of JSON input');
    const ok = await call(fake, 'POST', SECRETS, secret('shell', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"auths":{}}') }));
    expect(ok.status).toBe(201);
  });

  it('kubernetes.io/dockercfg needs .dockercfg, as a JSON object', async () => {
    const missing = await call(fake, 'POST', SECRETS, secret('cfg', 'kubernetes.io/dockercfg', { other: b64('{}') }));
    expect([missing.status, missing.json.message]).toEqual([422, 'Secret "cfg" is invalid: data[.dockercfg]: Required value']);
    const bad = await call(fake, 'POST', SECRETS, secret('cfg', 'kubernetes.io/dockercfg', { '.dockercfg': b64('"text"') }));
    expect(bad.json.message).toBe('Secret "cfg" is invalid: data[.dockercfg]: Invalid value: "<secret contents redacted>": json: cannot unmarshal string into Go value of type map[string]interface {}');
    expect((await call(fake, 'POST', SECRETS, secret('cfg', 'kubernetes.io/dockercfg', { '.dockercfg': b64('{}') }))).status).toBe(201);
  });

  it('kubernetes.io/basic-auth needs username or password (either may be empty)', async () => {
    const none = await call(fake, 'POST', SECRETS, secret('basic', 'kubernetes.io/basic-auth', { token: b64('x') }));
    expect(none.json.message).toBe('Secret "basic" is invalid: [data[username]: Required value, data[password]: Required value]');
    expect((none.json.details as { causes: { field: string }[] }).causes.map((c) => c.field)).toEqual(['data[username]', 'data[password]']);
    expect((await call(fake, 'POST', SECRETS, secret('basic', 'kubernetes.io/basic-auth', { password: '' }))).status).toBe(201);
  });

  it('data keys must be valid config keys', async () => {
    const res = await call(fake, 'POST', SECRETS, secret('keys', 'Opaque', { 'a/b': b64('x'), '..dots': b64('y') }));
    expect(res.status).toBe(422);
    expect(res.json.message).toBe(
      `Secret "keys" is invalid: [data[..dots]: Invalid value: "..dots": must not start with '..', data[a/b]: Invalid value: "a/b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')]`,
    );
  });

  it('the decoded data may not exceed 1 MiB (core.MaxSecretSize)', async () => {
    const half = Buffer.alloc(512 * 1024, 'a').toString('base64');
    expect((await call(fake, 'POST', SECRETS, secret('big', 'Opaque', { a: half, b: half }))).status).toBe(201);
    const over = await call(fake, 'POST', SECRETS, secret('bigger', 'Opaque', { a: half, b: half, c: b64('!') }));
    expect([over.status, over.json.message]).toEqual([422, 'Secret "bigger" is invalid: data: Too long: must have at most 1048576 bytes']);
  });

  it('type cannot change on update, and an omitted type defaults to Opaque (SetDefaults_Secret)', async () => {
    const created = await call(fake, 'POST', SECRETS, secret('typed', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{}') }));
    const rv = (created.json.metadata as { resourceVersion: string }).resourceVersion;
    const put = await call(fake, 'PUT', `${SECRETS}/typed`, { ...secret('typed', 'Opaque', { x: b64('1') }), metadata: { name: 'typed', resourceVersion: rv } });
    expect([put.status, put.json.message]).toEqual([422, 'Secret "typed" is invalid: type: Invalid value: "Opaque": field is immutable']);
    // No type in a PUT is Opaque after defaulting: the same refusal.
    const untyped = await call(fake, 'PUT', `${SECRETS}/typed`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'typed' }, data: { '.dockerconfigjson': b64('{}') } });
    expect(untyped.json.message).toBe('Secret "typed" is invalid: type: Invalid value: "Opaque": field is immutable');
    const patched = await call(fake, 'PATCH', `${SECRETS}/typed`, { type: 'Opaque' }, 'application/merge-patch+json');
    expect(patched.status).toBe(422);
    const plain = await call(fake, 'POST', SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'plain' }, stringData: { k: 'v' } });
    expect(plain.json).toMatchObject({ type: 'Opaque', data: { k: b64('v') } });
    expect(plain.json.stringData).toBeUndefined();
  });

  it('an immutable Secret keeps its data and stays immutable', async () => {
    await call(fake, 'POST', SECRETS, { ...secret('frozen', 'Opaque', { k: b64('1') }), immutable: true });
    const data = await call(fake, 'PATCH', `${SECRETS}/frozen`, { data: { k: b64('2') } }, 'application/merge-patch+json');
    expect(data.json.message).toBe('Secret "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
    const thaw = await call(fake, 'PATCH', `${SECRETS}/frozen`, { immutable: false }, 'application/merge-patch+json');
    expect(thaw.json.message).toBe('Secret "frozen" is invalid: immutable: Forbidden: field is immutable when `immutable` is set');
    expect((await call(fake, 'PATCH', `${SECRETS}/frozen`, { metadata: { labels: { ok: 'yes' } } }, 'application/merge-patch+json')).status).toBe(200);
  });

  it('data must decode as base64 (encoding/json []byte), else 400 BadRequest', async () => {
    const res = await call(fake, 'POST', SECRETS, secret('b64', 'Opaque', { k: 'not base64!' }));
    expect([res.status, res.json.reason, res.json.message]).toEqual([400, 'BadRequest', 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3']);
  });
});

describe('object names, labels and annotations (apimachinery/pkg/api/validation/objectmeta.go ValidateObjectMeta)', () => {
  it('Secret and ServiceAccount names are DNS-1123 subdomains', async () => {
    const res = await call(fake, 'POST', SECRETS, secret('Bad_Name', 'Opaque'));
    expect(res.json.message).toBe(
      `Secret "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
    const sa = await call(fake, 'POST', '/api/v1/namespaces/app/serviceaccounts', { metadata: { name: `${'a'.repeat(251)}.-b` } });
    expect(sa.json.message).toMatch(/^ServiceAccount "a+\.-b" is invalid: metadata\.name: Invalid value: "a+\.-b": \[?must be no more than 253 characters|a lowercase RFC 1123 subdomain/);
    expect((sa.json.details as { causes: unknown[] }).causes).toHaveLength(2);
    expect((await call(fake, 'POST', '/api/v1/namespaces/app/serviceaccounts', { metadata: { name: 'ci.bot' } })).status).toBe(201);
  });

  it('Namespace names are DNS-1123 labels', async () => {
    const dotted = await call(fake, 'POST', '/api/v1/namespaces', { metadata: { name: 'team.a' } });
    expect(dotted.json.message).toBe('Namespace "team.a" is invalid: metadata.name: Invalid value: "team.a": must not contain dots');
    const long = await call(fake, 'POST', '/api/v1/namespaces', { metadata: { name: 'n'.repeat(64) } });
    // The kubernetes.io/metadata.name label is defaulted before validation: a real server reports it too.
    const n64 = 'n'.repeat(64);
    expect(long.json.message).toBe(`Namespace "${n64}" is invalid: [metadata.name: Invalid value: "${n64}": must be no more than 63 characters, metadata.labels: Invalid value: "${n64}": must be no more than 63 characters]`);
    const created = await call(fake, 'POST', '/api/v1/namespaces', { metadata: { name: 'fresh' } });
    // PrepareForCreate and Canonicalize (pkg/registry/core/namespace/strategy.go).
    expect(created.json).toMatchObject({ metadata: { labels: { 'kubernetes.io/metadata.name': 'fresh' } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
  });

  it('generateName: the prefix is validated (a trailing dash is fine) and five characters are appended', async () => {
    const made = await call(fake, 'POST', SECRETS, { metadata: { generateName: 'token-' } });
    expect((made.json.metadata as { name: string }).name).toMatch(/^token-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const bad = await call(fake, 'POST', SECRETS, { metadata: { generateName: 'Token-' } });
    expect(bad.status).toBe(422);
    expect((bad.json.details as { causes: { field: string }[] }).causes.map((c) => c.field)).toEqual(['metadata.generateName', 'metadata.name']);
    const none = await call(fake, 'POST', SECRETS, { metadata: {} });
    expect(none.json.message).toBe('Secret "" is invalid: metadata.name: Required value: name or generateName is required');
  });

  it('label keys and values: syntax and 63-character parts, reported on metadata.labels', async () => {
    const res = await call(fake, 'POST', SECRETS, { metadata: { name: 'labelled', labels: { 'a/b/c': 'ok', good: 'v'.repeat(64) } } });
    const causes = (res.json.details as { causes: { field: string; message: string }[] }).causes;
    expect(causes.map((c) => c.field)).toEqual(['metadata.labels', 'metadata.labels']);
    expect(causes[0]?.message).toMatch(/^Invalid value: "a\/b\/c": a valid label key must consist of/);
    expect(causes[1]?.message).toBe(`Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`);
    const prefix = await call(fake, 'POST', SECRETS, { metadata: { name: 'labelled', labels: { 'Example.com/x': 'y' } } });
    expect(prefix.json.message).toMatch(/metadata\.labels: Invalid value: "Example\.com\/x": prefix part a lowercase RFC 1123 subdomain/);
  });

  it('annotation keys are qualified names (any case) and all annotations total at most 256 KiB', async () => {
    const key = await call(fake, 'POST', SECRETS, { metadata: { name: 'annotated', annotations: { 'no spaces': 'x', 'Upper.Case/Fine': 'x' } } });
    expect((key.json.details as { causes: { field: string; message: string }[] }).causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'metadata.annotations', message: expect.stringMatching(/^Invalid value: "no spaces": name part must consist of/) },
    ]);
    const size = await call(fake, 'POST', SECRETS, { metadata: { name: 'annotated', annotations: { a: 'x'.repeat(256 * 1024) } } });
    expect(size.json.message).toBe('Secret "annotated" is invalid: metadata.annotations: Too long: must have at most 262144 bytes');
    expect((await call(fake, 'POST', SECRETS, { metadata: { name: 'annotated', annotations: { a: 'x'.repeat(256 * 1024 - 1) } } })).status).toBe(201);
  });

  it('owner references need apiVersion, kind, name and uid, and at most one controller', async () => {
    const res = await call(fake, 'POST', SECRETS, {
      metadata: {
        name: 'owned',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'a', uid: '1', controller: true },
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'b', uid: '', controller: true },
        ],
      },
    });
    const fields = (res.json.details as { causes: { field: string }[] }).causes.map((c) => c.field);
    expect(fields).toEqual(['metadata.ownerReferences.uid', 'metadata.ownerReferences']);
    expect(res.json.message).toContain('Only one reference can have Controller set to true. Found "true" in references for ConfigMap/a and ConfigMap/b');
  });

  it('unknown top-level fields are dropped, as the decoder drops them', async () => {
    const res = await call(fake, 'POST', SECRETS, { metadata: { name: 'extra' }, spec: { x: 1 } });
    expect(res.status).toBe(201);
    expect(res.json.spec).toBeUndefined();
  });

  it('a create may not carry a resourceVersion (etcd3 store.Create)', async () => {
    const res = await call(fake, 'POST', SECRETS, { metadata: { name: 'versioned', resourceVersion: '5' } });
    expect([res.status, res.json.reason, res.json.message]).toEqual([500, 'InternalError', 'resourceVersion should not be set on objects to be created']);
  });
});

describe('resourceVersion conflicts (apiserver registry/generic/registry/store.go Update)', () => {
  it('a PUT or a patch with a stale resourceVersion is 409 Conflict; without one it goes through', async () => {
    const created = await call(fake, 'POST', SECRETS, secret('rv', 'Opaque', { k: b64('1') }));
    const stale = (created.json.metadata as { resourceVersion: string }).resourceVersion;
    await call(fake, 'PATCH', `${SECRETS}/rv`, { data: { k: b64('2') } }, 'application/merge-patch+json');
    const conflictMessage = 'Operation cannot be fulfilled on secrets "rv": the object has been modified; please apply your changes to the latest version and try again';
    const put = await call(fake, 'PUT', `${SECRETS}/rv`, { ...created.json, data: { k: b64('3') } });
    expect(put.json).toMatchObject({ code: 409, reason: 'Conflict', message: conflictMessage, details: { name: 'rv', kind: 'secrets' } });
    const guarded = await call(fake, 'PATCH', `${SECRETS}/rv`, { metadata: { resourceVersion: stale }, data: { k: b64('3') } }, 'application/merge-patch+json');
    expect([guarded.status, guarded.json.message]).toEqual([409, conflictMessage]);
    const strategic = await call(fake, 'PATCH', `${SECRETS}/rv`, { metadata: { resourceVersion: stale } }, 'application/strategic-merge-patch+json');
    expect(strategic.status).toBe(409);
    const jsonPatch = await call(fake, 'PATCH', `${SECRETS}/rv`, [{ op: 'replace', path: '/metadata/resourceVersion', value: stale }], 'application/json-patch+json');
    expect(jsonPatch.status).toBe(409);
    expect((await call(fake, 'PATCH', `${SECRETS}/rv`, { data: { k: b64('4') } }, 'application/merge-patch+json')).status).toBe(200);
  });

  it('a PUT naming another uid fails its uid precondition (storage.Preconditions.Check)', async () => {
    const created = await call(fake, 'POST', SECRETS, secret('uid', 'Opaque'));
    const res = await call(fake, 'PUT', `${SECRETS}/uid`, { ...created.json, metadata: { ...(created.json.metadata as object), uid: 'someone-else' } });
    expect(res.status).toBe(409);
    expect(res.json.message).toBe(
      `Operation cannot be fulfilled on secrets "uid": StorageError: invalid object, Code: 4, Key: /registry/secrets/app/uid, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: someone-else, UID in object meta: ${(created.json.metadata as { uid: string }).uid}`,
    );
  });

  it('a custom resource PUT must carry a resourceVersion (customresource strategy: AllowUnconditionalUpdate false)', async () => {
    await call(fake, 'POST', IMPS_PATH, impsBody('unconditional'));
    const res = await call(fake, 'PUT', `${IMPS_PATH}/unconditional`, impsBody('unconditional'));
    expect([res.status, res.json.message]).toEqual([422, 'ImagePullSecret.images.banzaicloud.io "unconditional" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update']);
    // Secrets allow it (pkg/registry/core/secret/strategy.go).
    await call(fake, 'POST', SECRETS, secret('unconditional', 'Opaque'));
    expect((await call(fake, 'PUT', `${SECRETS}/unconditional`, secret('unconditional', 'Opaque', { k: b64('v') }))).status).toBe(200);
  });
});

describe('namespace lifecycle (apiserver admission/plugin/namespace/lifecycle/admission.go)', () => {
  it('a write into a missing namespace is the namespace 404', async () => {
    const res = await call(fake, 'POST', '/api/v1/namespaces/nowhere/secrets', secret('x', 'Opaque'));
    expect(res.json).toMatchObject({ code: 404, reason: 'NotFound', message: 'namespaces "nowhere" not found', details: { name: 'nowhere', kind: 'namespaces' } });
  });

  it('a create into a terminating namespace is 403 Forbidden with a NamespaceTerminating cause', async () => {
    const res = await call(fake, 'POST', '/api/v1/namespaces/gone/secrets', secret('late', 'Opaque'));
    expect(res.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'secrets "late" is forbidden: unable to create new content in namespace gone because it is being terminated',
      reason: 'Forbidden',
      details: { name: 'late', kind: 'secrets', causes: [{ reason: 'NamespaceTerminating', message: 'namespace gone is being terminated', field: 'metadata.namespace' }] },
      code: 403,
    });
  });

  it('deleting a namespace makes it Terminating first, then empties and removes it; default may not be deleted', async () => {
    await call(fake, 'POST', '/api/v1/namespaces', { metadata: { name: 'doomed' } });
    await call(fake, 'POST', '/api/v1/namespaces/doomed/configmaps', { metadata: { name: 'c' } });
    const del = await call(fake, 'DELETE', '/api/v1/namespaces/doomed');
    expect(del.json).toMatchObject({ kind: 'Namespace', status: { phase: 'Terminating' }, metadata: { deletionTimestamp: expect.any(String) } });
    expect((await call(fake, 'POST', '/api/v1/namespaces/doomed/configmaps', { metadata: { name: 'd' } })).status).toBe(403);
    // The namespace controller empties it first: for a while it is Terminating and empty.
    await waitFor(() => fake.list('v1', 'ConfigMap', 'doomed').length === 0, 'namespace emptied');
    expect(fake.get('v1', 'Namespace', 'doomed')?.status).toEqual({ phase: 'Terminating' });
    await waitFor(() => fake.get('v1', 'Namespace', 'doomed') === undefined, 'namespace removal');
    expect(fake.list('v1', 'ConfigMap', 'doomed')).toEqual([]);
    const immortal = await call(fake, 'DELETE', '/api/v1/namespaces/default');
    expect([immortal.status, immortal.json.message]).toEqual([403, 'namespaces "default" is forbidden: this namespace may not be deleted']);
  });
});

describe('strategic merge patch list semantics (apimachinery/pkg/util/strategicpatch, k8s.io/api core/v1 struct tags)', () => {
  const SA = '/api/v1/namespaces/app/serviceaccounts/builder';
  it('ServiceAccount.imagePullSecrets is atomic: a strategic merge patch replaces it; secrets merge by name', async () => {
    await call(fake, 'POST', '/api/v1/namespaces/app/serviceaccounts', { metadata: { name: 'builder' }, imagePullSecrets: [{ name: 'a' }], secrets: [{ name: 's1' }] });
    const res = await call(fake, 'PATCH', SA, { imagePullSecrets: [{ name: 'b' }], secrets: [{ name: 's2' }] }, 'application/strategic-merge-patch+json');
    expect(res.json.imagePullSecrets).toEqual([{ name: 'b' }]);
    expect(res.json.secrets).toEqual([{ name: 's1' }, { name: 's2' }]);
    const removed = await call(fake, 'PATCH', SA, { secrets: [{ name: 's1', $patch: 'delete' }] }, 'application/strategic-merge-patch+json');
    expect(removed.json.secrets).toEqual([{ name: 's2' }]);
  });

  it('a JSON merge patch replaces every list', async () => {
    const res = await call(fake, 'PATCH', SA, { imagePullSecrets: [{ name: 'c' }], secrets: [{ name: 's3' }] }, 'application/merge-patch+json');
    expect([res.json.imagePullSecrets, res.json.secrets]).toEqual([[{ name: 'c' }], [{ name: 's3' }]]);
  });

  it('PodSpec.imagePullSecrets and containers merge by name', async () => {
    await call(fake, 'POST', '/api/v1/namespaces/app/pods', { metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'a:1' }], imagePullSecrets: [{ name: 'a' }] } });
    const res = await call(fake, 'PATCH', '/api/v1/namespaces/app/pods/web', { spec: { containers: [{ name: 'app', image: 'a:2' }], imagePullSecrets: [{ name: 'b' }] } }, 'application/strategic-merge-patch+json');
    expect((res.json.spec as Record<string, unknown>).imagePullSecrets).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect((res.json.spec as Record<string, unknown>).containers).toEqual([{ name: 'app', image: 'a:2' }]);
  });

  it('custom resources lose the fields their CRD does not declare (apiextensions-apiserver schema/pruning)', async () => {
    const created = await call(fake, 'POST', IMPS_PATH, { ...impsBody('pruned'), spec: { ...(impsBody('pruned').spec as object), unknownSetting: true } });
    expect(created.status).toBe(201);
    expect((created.json.spec as Record<string, unknown>).unknownSetting).toBeUndefined();
    const status = await call(fake, 'PATCH', `${IMPS_PATH}/pruned/status`, { status: { status: 'Ready', notInTheCrd: 'x', conditions: [{ type: 'Ready', status: 'True', extra: 1 }] } }, 'application/merge-patch+json');
    expect(status.json.status).toEqual({ status: 'Ready', conditions: [{ type: 'Ready', status: 'True' }] });
  });

  it('custom resources take no strategic merge patch (415)', async () => {
    await call(fake, 'POST', IMPS_PATH, impsBody('no-smp'));
    const res = await call(fake, 'PATCH', `${IMPS_PATH}/no-smp`, { metadata: { labels: { a: 'b' } } }, 'application/strategic-merge-patch+json');
    expect([res.status, res.json.reason]).toEqual([415, 'UnsupportedMediaType']);
    expect(res.json.message).toBe('the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
  });

  it('a patch whose result does not decode is Invalid on the field `patch`', async () => {
    await call(fake, 'POST', SECRETS, secret('patched', 'Opaque'));
    const res = await call(fake, 'PATCH', `${SECRETS}/patched`, { data: { k: '***' } }, 'application/merge-patch+json');
    expect(res.status).toBe(422);
    expect((res.json.details as { causes: { field: string }[] }).causes[0]?.field).toBe('patch');
    expect(res.json.message).toMatch(/^ "" is invalid: patch: Invalid value: ".*": illegal base64 data at input byte 0$/);
  });
});

describe('deletes: preconditions and DeleteOptions (apiserver registry/rest/delete.go BeforeDelete)', () => {
  it('a uid or resourceVersion precondition that does not match is 409 Conflict', async () => {
    const created = await call(fake, 'POST', SECRETS, secret('guarded', 'Opaque'));
    const { uid, resourceVersion } = created.json.metadata as { uid: string; resourceVersion: string };
    const wrongUid = await call(fake, 'DELETE', `${SECRETS}/guarded`, { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: 'other' } });
    expect(wrongUid.json).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on Secret "guarded": the UID in the precondition (other) does not match the UID in record (${uid}). The object might have been deleted and then recreated`,
      details: { name: 'guarded', kind: 'Secret' },
    });
    const wrongRv = await call(fake, 'DELETE', `${SECRETS}/guarded`, { preconditions: { resourceVersion: '1' } });
    expect(wrongRv.json.message).toBe(
      `Operation cannot be fulfilled on Secret "guarded": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${resourceVersion}). The object might have been modified`,
    );
    expect(fake.get('v1', 'Secret', 'guarded', 'app')).toBeDefined();
    expect((await call(fake, 'DELETE', `${SECRETS}/guarded`, { preconditions: { uid, resourceVersion } })).status).toBe(200);
    expect(fake.get('v1', 'Secret', 'guarded', 'app')).toBeUndefined();
  });

  it('an unknown propagationPolicy is refused', async () => {
    await call(fake, 'POST', SECRETS, secret('policy', 'Opaque'));
    const res = await call(fake, 'DELETE', `${SECRETS}/policy`, { propagationPolicy: 'Eventually' });
    expect([res.status, res.json.message]).toEqual([422, 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Eventually": supported values: "Foreground", "Background", "Orphan", "nil"']);
  });
});

describe('garbage collection of dependents (pkg/controller/garbagecollector)', () => {
  async function ownerWithDependents(name: string): Promise<{ uid: string }> {
    const owner = await call(fake, 'POST', IMPS_PATH, impsBody(name));
    const uid = (owner.json.metadata as { uid: string }).uid;
    const ref = { apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', name, uid, controller: true };
    await call(fake, 'POST', SECRETS, secret(`${name}-dep`, 'Opaque', undefined, { metadata: { name: `${name}-dep`, ownerReferences: [ref] } }));
    return { uid };
  }

  it('background (default): the dependents go after the owner', async () => {
    await ownerWithDependents('bg');
    await call(fake, 'DELETE', `${IMPS_PATH}/bg`);
    expect(fake.get('images.banzaicloud.io/v1alpha1', 'ImagePullSecret', 'bg')).toBeUndefined();
    await waitFor(() => fake.get('v1', 'Secret', 'bg-dep', 'app') === undefined, 'garbage collection');
  });

  it('propagationPolicy=Orphan: the dependents stay, without the owner reference', async () => {
    await ownerWithDependents('orph');
    await call(fake, 'DELETE', `${IMPS_PATH}/orph`, { propagationPolicy: 'Orphan' });
    await new Promise((r) => setTimeout(r, 20));
    const kept = fake.get('v1', 'Secret', 'orph-dep', 'app');
    expect(kept).toBeDefined();
    expect(kept?.metadata.ownerReferences).toBeUndefined();
  });

  it('a dependent with another live owner loses only the dangling reference; a dangling-only one is collected', async () => {
    const a = await call(fake, 'POST', '/api/v1/namespaces/app/configmaps', { metadata: { name: 'owner-a' } });
    const b = await call(fake, 'POST', '/api/v1/namespaces/app/configmaps', { metadata: { name: 'owner-b' } });
    const ref = (o: Answer, name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', name, uid: (o.json.metadata as { uid: string }).uid });
    await call(fake, 'POST', SECRETS, { metadata: { name: 'two-owners', ownerReferences: [ref(a, 'owner-a'), ref(b, 'owner-b')] } });
    await call(fake, 'DELETE', '/api/v1/namespaces/app/configmaps/owner-a');
    await waitFor(() => (fake.get('v1', 'Secret', 'two-owners', 'app')?.metadata.ownerReferences as unknown[] | undefined)?.length === 1, 'dangling reference removed');
    // An owner that never existed (or another uid under that name) is dangling too: the dependent goes.
    await call(fake, 'POST', SECRETS, { metadata: { name: 'stray', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner-b', uid: 'not-its-uid' }] } });
    await waitFor(() => fake.get('v1', 'Secret', 'stray', 'app') === undefined, 'stray collected');
  });

  it('garbageCollection: false models a controller-manager that is down', async () => {
    const idle = await startFakeKubeApi({ garbageCollection: false, objects: [ns('app')] });
    try {
      await call(idle, 'POST', IMPS_PATH, impsBody('owner'));
      const uid = idle.get('images.banzaicloud.io/v1alpha1', 'ImagePullSecret', 'owner')?.metadata.uid;
      await call(idle, 'POST', SECRETS, { metadata: { name: 'dep', ownerReferences: [{ apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', name: 'owner', uid }] } });
      idle.remove('images.banzaicloud.io/v1alpha1', 'ImagePullSecret', 'owner');
      await new Promise((r) => setTimeout(r, 20));
      expect(idle.get('v1', 'Secret', 'dep', 'app')).toBeDefined();
    } finally {
      await idle.close();
    }
  });
});

describe('finalizers, CRD deletion and TokenRequest (what AcrPullBindings need)', () => {
  const BINDINGS = '/apis/acrpull.microsoft.com/v1beta2/namespaces/app/acrpullbindings';
  const binding = (name: string, finalizers?: string[]): Record<string, unknown> => ({
    apiVersion: 'acrpull.microsoft.com/v1beta2',
    kind: 'AcrPullBinding',
    metadata: { name, ...(finalizers ? { finalizers } : {}) },
    spec: { acr: { server: 'x.azurecr.io', scope: 'repository:a:pull' }, auth: { managedIdentity: { clientID: 'c' } }, serviceAccountName: 'default' },
  });

  it('a delete with finalizers only sets deletionTimestamp; the update that removes the last finalizer deletes (registry/generic/registry/store.go)', async () => {
    await call(fake, 'POST', BINDINGS, binding('held', ['example.com/hold']));
    const deleted = await call(fake, 'DELETE', `${BINDINGS}/held`);
    expect(deleted.status).toBe(200);
    const held = fake.get('acrpull.microsoft.com/v1beta2', 'AcrPullBinding', 'held', 'app');
    expect(held?.metadata['deletionTimestamp']).toBeDefined();
    const added = await call(fake, 'PATCH', `${BINDINGS}/held`, { metadata: { finalizers: ['example.com/hold', 'example.com/new'] } }, 'application/merge-patch+json');
    expect(added.status).toBe(422); // no new finalizers while deleting (ValidateObjectMetaUpdate)
    await call(fake, 'PATCH', `${BINDINGS}/held`, { metadata: { finalizers: [] } }, 'application/merge-patch+json');
    expect(fake.get('acrpull.microsoft.com/v1beta2', 'AcrPullBinding', 'held', 'app')).toBeUndefined();
  });

  it('deleting a CRD deletes every object of its kind, each after its finalizers; the CRD goes last (apiextensions finalizer controller)', async () => {
    fake.put({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'acrpullbindings.acrpull.microsoft.com', finalizers: ['customresourcecleanup.apiextensions.k8s.io'] }, spec: {} });
    await call(fake, 'POST', BINDINGS, binding('free'));
    await call(fake, 'POST', BINDINGS, binding('stuck', ['example.com/hold']));
    await call(fake, 'DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/acrpullbindings.acrpull.microsoft.com');
    expect(fake.get('acrpull.microsoft.com/v1beta2', 'AcrPullBinding', 'free', 'app')).toBeUndefined();
    expect(fake.get('acrpull.microsoft.com/v1beta2', 'AcrPullBinding', 'stuck', 'app')?.metadata['deletionTimestamp']).toBeDefined();
    expect(fake.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'acrpullbindings.acrpull.microsoft.com')?.metadata['deletionTimestamp']).toBeDefined();
    await call(fake, 'PATCH', `${BINDINGS}/stuck`, { metadata: { finalizers: null } }, 'application/merge-patch+json');
    expect(fake.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'acrpullbindings.acrpull.microsoft.com')).toBeUndefined();
  });

  it('TokenRequest: the ServiceAccount must exist, at least 10 minutes, defaults 3600 s (pkg/registry/core/serviceaccount/storage/token.go)', async () => {
    const path = '/api/v1/namespaces/app/serviceaccounts/puller/token';
    const body = (spec: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
    expect((await call(fake, 'POST', path, body({ audiences: ['api://AzureCRTokenExchange'] }))).status).toBe(404);
    await call(fake, 'POST', '/api/v1/namespaces/app/serviceaccounts', { metadata: { name: 'puller' } });
    expect((await call(fake, 'POST', path, body({ expirationSeconds: 60 }))).status).toBe(422);
    const issued = await call(fake, 'POST', path, body({ audiences: ['api://AzureCRTokenExchange'] }));
    expect(issued.status).toBe(201);
    expect(issued.json.spec).toEqual({ audiences: ['api://AzureCRTokenExchange'], expirationSeconds: 3600 });
    const token = (issued.json.status as { token: string }).token;
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'))).toMatchObject({ sub: 'system:serviceaccount:app:puller', aud: ['api://AzureCRTokenExchange'] });
    expect((await call(fake, 'GET', path)).status).toBe(405);
  });
});

describe('other types the project writes', () => {
  it('core/v1 Events about a cluster-scoped object live in default (pkg/apis/core/validation/events.go)', async () => {
    const event = (namespace: string) => ({
      metadata: { name: `e.${namespace}` },
      involvedObject: { apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', name: 'pull' },
      reason: 'Test',
      message: 'm',
      type: 'Normal',
      firstTimestamp: '2026-01-01T00:00:00Z',
      lastTimestamp: '2026-01-01T00:00:00Z',
      count: 1,
    });
    expect((await call(fake, 'POST', '/api/v1/namespaces/default/events', event('default'))).status).toBe(201);
    const elsewhere = await call(fake, 'POST', '/api/v1/namespaces/app/events', event('app'));
    expect([elsewhere.status, elsewhere.json.message]).toEqual([422, 'Event "e.app" is invalid: involvedObject.namespace: Invalid value: "": does not match event.namespace']);
  });

  it('Lease times are MicroTime and durations positive (pkg/apis/coordination/validation ValidateLease)', async () => {
    const path = '/apis/coordination.k8s.io/v1/namespaces/app/leases';
    const millis = await call(fake, 'POST', path, { metadata: { name: 'l' }, spec: { renewTime: '2026-01-01T00:00:00.123Z' } });
    expect([millis.status, millis.json.reason]).toEqual([400, 'BadRequest']);
    const zero = await call(fake, 'POST', path, { metadata: { name: 'l' }, spec: { leaseDurationSeconds: 0 } });
    expect(zero.json.message).toBe('Lease.coordination.k8s.io "l" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0');
    expect((await call(fake, 'POST', path, { metadata: { name: 'l' }, spec: { leaseDurationSeconds: 15, renewTime: '2026-01-01T00:00:00.123000Z' } })).status).toBe(201);
  });

  it('a Pod needs at least one container with a name and an image', async () => {
    const res = await call(fake, 'POST', '/api/v1/namespaces/app/pods', { metadata: { name: 'empty' }, spec: { containers: [] } });
    expect(res.json.message).toBe('Pod "empty" is invalid: spec.containers: Required value');
  });
});

describe('what tests store directly gets the same checks', () => {
  it('put() and seeds refuse what the server would refuse', async () => {
    expect(() => fake.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shell', namespace: 'app' }, type: 'kubernetes.io/dockerconfigjson' })).toThrow(
      'fake kube-apiserver refused put of Secret app/shell: Secret "shell" is invalid: data[.dockerconfigjson]: Required value',
    );
    expect(() => fake.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'nowhere' } })).toThrow('namespaces "nowhere" not found');
    await expect(startFakeKubeApi({ objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'nowhere' } }] })).rejects.toThrow(
      'fake kube-apiserver refused seed ConfigMap nowhere/c: namespaces "nowhere" not found',
    );
    await expect(startFakeKubeApi({ objects: [ns('Upper')] })).rejects.toThrow(/refused seed Namespace Upper: Namespace "Upper" is invalid: metadata\.name/);
  });
});
