// The in-cluster modes renew ECR Public, ACR (managed identity, scoped and unscoped) and GAR (metadata server)
// tokens by each token's real expiry, through the real provider code against the loopback fakes. See
// providers-harness.ts for why Date itself is the injected clock here.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatTime } from '../../src/core/render.js';
import { claimsOf } from '../fakes/fake-jwt.js';
import type { KubeObject } from '../fakes/kube-api-server.js';
import { dockerConfigOf, imps, ns, secretOf, statusOf } from './harness.js';
import {
  acrSource,
  CANARY_PUBLIC_SECRET,
  ecrPublicSource,
  freezeProcessClock,
  garSource,
  settle,
  START,
  startCloudFakes,
  startControllerRig,
  startRefresherRig,
  waitUntil,
  type CloudFakes,
  type ControllerRig,
  type RefresherRig,
} from './providers-harness.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const EXPIRES_AT = 'imps-krm.io/expires-at';
const MI_CLIENT = 'mi-unscoped-client';
const MI_RESOURCE = '/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/scoped-pull';

let fakes: CloudFakes;
let rig: ControllerRig | RefresherRig | undefined;

beforeAll(async () => {
  fakes = await startCloudFakes();
});
afterAll(async () => {
  await fakes.close();
});
beforeEach(() => {
  freezeProcessClock();
  fakes.reset();
});
afterEach(async () => {
  await rig?.close();
  rig = undefined;
  vi.useRealTimers();
});

/** One kind of token source, as the tests drive it. */
interface ProviderCase {
  readonly title: string;
  /** Source Secrets in namespace `creds`; the first one's id names the source in failures. */
  readonly sources: () => KubeObject[];
  /** The auths keys the rendered Secret carries. */
  readonly registries: () => string[];
  /** The lifetime the fake gives the token: its expiry is the moment of the call plus this. */
  readonly lifetimeMs: number;
  /** When the default policy (half the lifetime, or 30 min before expiry, whichever is earlier) renews it. */
  readonly renewAfterMs: number;
  /** Knobs before the first token (identities, lifetimes). */
  readonly setUp: () => void;
  /** Makes the next token differ from the first, where the fake would otherwise repeat it. */
  readonly beforeRenewal?: () => void;
  /** The expiry the token itself states, when it states one (ACR: its `exp` claim). */
  readonly statedExpiry?: (password: string) => Date | undefined;
  /** Token calls so far for the one credential the sources share. */
  readonly tokenCalls: () => number;
  /** Makes every token call fail until `heal`. */
  readonly fail: () => void;
  readonly heal: () => void;
  /** The source status and log text of that failure. */
  readonly failure: RegExp;
}

const cases: ProviderCase[] = [
  {
    title: 'ECR Public (expiresAt, 12 h)',
    sources: () => [ecrPublicSource('creds', 'public')],
    registries: () => ['public.ecr.aws'],
    lifetimeMs: 12 * HOUR,
    renewAfterMs: 6 * HOUR,
    setUp: () => undefined,
    beforeRenewal: () => fakes.aws.setEcrPassword('AKIAPUBLICRENEW', 'renewed-public-password'),
    tokenCalls: () => fakes.aws.calls.filter((call) => call.service === 'ecr-public' && call.action === 'GetAuthorizationToken').length,
    fail: () => fakes.aws.failNext('ecr-public', { status: 400, code: 'AccessDeniedException', message: 'not authorized to perform ecr-public:GetAuthorizationToken' }, 10_000),
    heal: () => fakes.aws.reset(),
    failure: /^ECR Public GetAuthorizationToken \(us-east-1\): AccessDeniedException \(HTTP 400\): not authorized/,
  },
  {
    title: 'ACR, managed identity by client id, unscoped (the refresh token: its exp, 3 h)',
    sources: () => [acrSource('creds', 'acr', { registry: fakes.azure.httpUrl, clientID: MI_CLIENT })],
    registries: () => [fakes.azure.httpUrl],
    lifetimeMs: 3 * HOUR,
    renewAfterMs: 90 * MINUTE,
    setUp: () => fakes.azure.allowManagedIdentity(MI_CLIENT),
    statedExpiry: jwtExpiry,
    tokenCalls: () => fakes.azure.calls.filter((call) => call.endpoint === 'acr-exchange').length,
    fail: () => failAzure('acr-exchange'),
    heal: () => {
      fakes.azure.reset();
      fakes.azure.allowManagedIdentity(MI_CLIENT);
    },
    failure: /^ACR \/oauth2\/exchange at 127\.0\.0\.1:\d+: HTTP 401: UNAUTHORIZED: identity has no AcrPull role$/,
  },
  {
    title: 'ACR, managed identity by resource id, scoped (the access token: its exp, 75 min, not 3 h)',
    sources: () => [acrSource('creds', 'acr', { registry: fakes.azure.httpUrl, resourceID: MI_RESOURCE, scope: 'repository:team/app:pull' })],
    registries: () => [fakes.azure.httpUrl],
    lifetimeMs: 75 * MINUTE,
    renewAfterMs: 37.5 * MINUTE,
    setUp: () => fakes.azure.allowManagedIdentity(MI_RESOURCE),
    statedExpiry: jwtExpiry,
    tokenCalls: () => fakes.azure.calls.filter((call) => call.endpoint === 'acr-token').length,
    fail: () => failAzure('acr-token'),
    heal: () => {
      fakes.azure.reset();
      fakes.azure.allowManagedIdentity(MI_RESOURCE);
    },
    failure: /^ACR \/oauth2\/token at 127\.0\.0\.1:\d+: HTTP 401: UNAUTHORIZED: identity has no AcrPull role$/,
  },
  {
    title: 'GAR, metadata server (expires_in 3599 s), two registries on one token',
    sources: () => [garSource('creds', 'gar', 'europe-west1-docker.pkg.dev'), garSource('creds', 'gcr', 'gcr.io')],
    registries: () => ['europe-west1-docker.pkg.dev', 'gcr.io'],
    lifetimeMs: 3599_000,
    // 30 min before expiry comes half a second before half the lifetime.
    renewAfterMs: 1799_000,
    setUp: () => undefined,
    tokenCalls: () => fakes.google.calls.filter((call) => call.endpoint === 'metadata-token').length,
    fail: () => fakes.google.failMetadataToken(404, 'service account not found', 10_000),
    heal: () => fakes.google.reset(),
    failure: /^Google access token \(metadata server\): 127\.0\.0\.1:\d+: HTTP 404: service account not found$/,
  },
  {
    // The metadata server hands out its cached token until 5 minutes before it expires: expires_in may be far
    // below 30 minutes, where the margin alone would put the renewal before the token was even fetched.
    title: 'GAR, metadata server returning a cached token with 10 minutes left (expires_in 600 s)',
    sources: () => [garSource('creds', 'gar', 'europe-west1-docker.pkg.dev')],
    registries: () => ['europe-west1-docker.pkg.dev'],
    lifetimeMs: 600_000,
    renewAfterMs: 300_000,
    setUp: () => fakes.google.setExpiresIn(600),
    tokenCalls: () => fakes.google.calls.filter((call) => call.endpoint === 'metadata-token').length,
    fail: () => fakes.google.failMetadataToken(404, 'service account not found', 10_000),
    heal: () => {
      fakes.google.reset();
      fakes.google.setExpiresIn(600);
    },
    failure: /^Google access token \(metadata server\): 127\.0\.0\.1:\d+: HTTP 404: service account not found$/,
  },
];

function jwtExpiry(token: string): Date | undefined {
  const exp = claimsOf(token)?.['exp'];
  return typeof exp === 'number' ? new Date(exp * 1000) : undefined;
}

function failAzure(endpoint: 'acr-exchange' | 'acr-token'): void {
  for (let i = 0; i < 10_000; i++) fakes.azure.failNext(endpoint, { status: 401, body: { errors: [{ code: 'UNAUTHORIZED', message: 'identity has no AcrPull role' }] } });
}

const TARGETS = ['team-a', 'team-b'];

function controllerObjects(c: ProviderCase): KubeObject[] {
  const sources = c.sources();
  return [
    ns('default'),
    ns('creds'),
    ...TARGETS.map((name) => ns(name)),
    ...sources,
    imps('pull', {
      registry: { credentials: sources.map((source) => ({ namespace: 'creds', name: source.metadata.name })) },
      target: { secret: { name: 'regcred' }, namespaces: { names: TARGETS } },
    }),
  ];
}

const expiryOf = (secret: KubeObject | undefined): string | undefined => secret?.metadata.annotations?.[EXPIRES_AT];
const passwordsOf = (secret: KubeObject | undefined, registries: readonly string[]): Array<string | undefined> =>
  registries.map((registry) => dockerConfigOf(secret)?.auths[registry]?.password);

/** When the token states its expiry (ACR), the annotation must be exactly that. */
function expectStatedExpiry(c: ProviderCase, secret: KubeObject | undefined): void {
  if (!c.statedExpiry) return;
  const [password] = passwordsOf(secret, c.registries());
  const stated = c.statedExpiry(password ?? '');
  expect(stated).toBeDefined();
  expect(expiryOf(secret)).toBe(formatTime(stated!));
}

/** Status, Events and logs, for the no-credential check. */
async function everythingSeen(r: ControllerRig): Promise<string> {
  return JSON.stringify([
    r.logs(),
    r.kube.list('v1', 'Event', 'default'),
    r.kube.list('images.banzaicloud.io/v1alpha1', 'ImagePullSecret').map((o) => o['status']),
    await r.metrics.registry.metrics(),
  ]);
}

describe.each(cases)('controller renews $title by its real expiry', (c) => {
  const firstExpiry = (): string => formatTime(new Date(START.getTime() + c.lifetimeMs));
  const secrets = (r: ControllerRig): Array<KubeObject | undefined> => TARGETS.map((name) => secretOf(r.kube, name, 'regcred'));

  async function startWritten(): Promise<ControllerRig> {
    c.setUp();
    const r = await startControllerRig(controllerObjects(c));
    rig = r;
    await waitUntil(() => statusOf(r.kube, 'pull')?.['status'] === 'Ready' && secrets(r).every((secret) => expiryOf(secret) !== undefined));
    await r.controller.idle();
    await settle();
    return r;
  }

  it('writes the expiry, makes no call before the renewal point, and exactly one after it', async () => {
    const r = await startWritten();
    for (const secret of secrets(r)) {
      expect(expiryOf(secret)).toBe(firstExpiry());
      expect(passwordsOf(secret, c.registries()).every((password) => password !== undefined)).toBe(true);
      expectStatedExpiry(c, secret);
    }
    expect(statusOf(r.kube, 'pull')?.['validitySeconds']).toBe(c.lifetimeMs / 1000);
    expect(c.tokenCalls()).toBe(1);
    const before = secrets(r).map((secret) => passwordsOf(secret, c.registries()));
    c.beforeRenewal?.();

    r.kube.resetRequests();
    r.clock.advance(c.renewAfterMs - 1000);
    await settle();
    await r.controller.idle();
    expect(c.tokenCalls()).toBe(1);
    expect(r.kube.requests.filter((request) => request.query['watch'] !== '1')).toEqual([]);

    r.clock.advance(2000);
    const renewedAt = START.getTime() + c.renewAfterMs + 1000;
    const secondExpiry = formatTime(new Date(renewedAt + c.lifetimeMs));
    await waitUntil(() => secrets(r).every((secret) => expiryOf(secret) === secondExpiry));
    await r.controller.idle();
    await settle();
    expect(c.tokenCalls()).toBe(2);
    secrets(r).forEach((secret, index) => {
      expect(passwordsOf(secret, c.registries())).not.toEqual(before[index]);
      expectStatedExpiry(c, secret);
    });
    expect(statusOf(r.kube, 'pull')).toMatchObject({ status: 'Ready', validitySeconds: c.lifetimeMs / 1000 });
  });

  it('keeps the valid Secret when the provider fails at renewal, reports Failed naming the source, then recovers', async () => {
    const r = await startWritten();
    const before = secrets(r).map((secret) => ({ data: secret?.['data'], expiry: expiryOf(secret) }));
    const tokens = secrets(r).flatMap((secret) => passwordsOf(secret, c.registries())).filter((password): password is string => password !== undefined);
    c.fail();
    r.clock.advance(c.renewAfterMs + 1000);
    await waitUntil(() => statusOf(r.kube, 'pull')?.['status'] === 'Failed');
    await settle();
    const status = statusOf(r.kube, 'pull')!;
    const sourceStatus = status['sourceSecretStatus'] as Record<string, string>;
    const first = c.sources()[0]!.metadata.name;
    expect(sourceStatus[`creds.${first}`]).toMatch(c.failure);
    expect(String(status['reason'])).toContain(`source creds.${first}: `);
    expect(status['conditions']).toMatchObject([{ type: 'Ready', status: 'False', reason: 'SourceCredentialsError' }]);
    expect(secrets(r).map((secret) => ({ data: secret?.['data'], expiry: expiryOf(secret) }))).toEqual(before);
    const seen = await everythingSeen(r);
    for (const canary of [...tokens, CANARY_PUBLIC_SECRET]) expect(seen).not.toContain(canary);

    c.heal();
    const renewed = formatTime(new Date(START.getTime() + c.renewAfterMs + 1000 + c.lifetimeMs));
    await waitUntil(() => statusOf(r.kube, 'pull')?.['status'] === 'Ready' && secrets(r).every((secret) => expiryOf(secret) === renewed));
  });
});

describe('controller with a Secret mixing token lifetimes', () => {
  it('renews only the token that is due; the Secret carries the earliest expiry', async () => {
    const objects = [
      ns('default'),
      ns('creds'),
      ns('team-a'),
      ecrPublicSource('creds', 'public'),
      garSource('creds', 'gar', 'europe-west1-docker.pkg.dev'),
      acrSource('creds', 'acr', { registry: fakes.azure.httpUrl, resourceID: MI_RESOURCE, scope: 'repository:team/app:pull' }),
      imps('mixed', {
        registry: { credentials: ['public', 'gar', 'acr'].map((name) => ({ namespace: 'creds', name })) },
        target: { secret: { name: 'regcred' }, namespaces: { names: ['team-a'] } },
      }),
    ];
    fakes.azure.allowManagedIdentity(MI_RESOURCE);
    const r = await startControllerRig(objects);
    rig = r;
    const calls = (): Record<string, number> => ({
      ecrPublic: fakes.aws.calls.filter((call) => call.service === 'ecr-public').length,
      gar: fakes.google.calls.filter((call) => call.endpoint === 'metadata-token').length,
      acr: fakes.azure.calls.filter((call) => call.endpoint === 'acr-token').length,
    });
    const expiry = (): string | undefined => expiryOf(secretOf(r.kube, 'team-a', 'regcred'));
    const at = (ms: number): string => formatTime(new Date(START.getTime() + ms));
    await waitUntil(() => expiry());
    await r.controller.idle();
    await settle();
    // GAR's 3599 s is the earliest of 12 h, 3599 s and 75 min.
    expect(expiry()).toBe(at(3599_000));
    expect(calls()).toEqual({ ecrPublic: 1, gar: 1, acr: 1 });

    // GAR is due at 1799 s; ACR at 37.5 min; ECR Public at 6 h.
    r.clock.advance(1800_000);
    // The renewed GAR token (1800 s + 3599 s) now outlives the ACR one (75 min): that is the earliest expiry.
    await waitUntil(() => expiry() === at(75 * MINUTE));
    await r.controller.idle();
    await settle();
    expect(calls()).toEqual({ ecrPublic: 1, gar: 2, acr: 1 });

    r.clock.advance(37.5 * MINUTE - 1800_000);
    // The renewed ACR token (37.5 min + 75 min) outlives the GAR one: the GAR expiry is the earliest again.
    await waitUntil(() => expiry() === at(1800_000 + 3599_000));
    await r.controller.idle();
    await settle();
    expect(calls()).toEqual({ ecrPublic: 1, gar: 2, acr: 2 });
  });
});

describe.each(cases)('refresh renews $title by its real expiry', (c) => {
  const target = { namespace: 'apps', name: 'regcred' };
  const secret = (r: RefresherRig): KubeObject | undefined => secretOf(r.kube, 'apps', 'regcred');

  async function startWritten(): Promise<RefresherRig> {
    c.setUp();
    const sources = c.sources();
    const refs = sources.map((source) => ({ namespace: 'creds', name: source.metadata.name }));
    const r = await startRefresherRig([ns('creds'), ns('apps'), ...sources], target, [refs[0]!, ...refs.slice(1)]);
    rig = r;
    await waitUntil(() => expiryOf(secret(r)));
    await settle();
    return r;
  }

  it('writes the expiry, makes no call before the renewal point, and exactly one after it', async () => {
    const r = await startWritten();
    expect(expiryOf(secret(r))).toBe(formatTime(new Date(START.getTime() + c.lifetimeMs)));
    expectStatedExpiry(c, secret(r));
    expect(c.tokenCalls()).toBe(1);
    r.kube.resetRequests();
    r.clock.advance(c.renewAfterMs - 1000);
    await settle();
    expect(c.tokenCalls()).toBe(1);
    expect(r.kube.requests.filter((request) => request.query['watch'] !== '1')).toEqual([]);

    r.clock.advance(2000);
    const secondExpiry = formatTime(new Date(START.getTime() + c.renewAfterMs + 1000 + c.lifetimeMs));
    await waitUntil(() => expiryOf(secret(r)) === secondExpiry);
    await settle();
    expect(c.tokenCalls()).toBe(2);
    expectStatedExpiry(c, secret(r));
  });

  it('keeps the valid target when the provider fails at renewal and logs the cause naming the source', async () => {
    const r = await startWritten();
    const before = secret(r);
    const tokens = passwordsOf(before, c.registries()).filter((password): password is string => password !== undefined);
    c.fail();
    r.clock.advance(c.renewAfterMs + 1000);
    await waitUntil(() => r.logs().includes('"msg":"refresh failed"'));
    await settle();
    const failed = r.logs().split('\n').find((line) => line.includes('"msg":"refresh failed"'))!;
    const errors = (JSON.parse(failed) as { errors: string[] }).errors;
    // Every source on the failing credential says so, by name.
    const names = c.sources().map((source) => source.metadata.name);
    expect(errors).toHaveLength(names.length);
    names.forEach((name, index) => expect(errors[index]).toMatch(new RegExp(`^source creds\\.${name}: ${c.failure.source.slice(1)}`)));
    expect(secret(r)?.['data']).toEqual(before?.['data']);
    expect(expiryOf(secret(r))).toBe(expiryOf(before));
    for (const canary of [...tokens, CANARY_PUBLIC_SECRET]) expect(r.logs()).not.toContain(canary);
  });
});
