// Issue 9: transient provider errors (429, 5xx, a connection reset, Retry-After) are retried with ONE bounded policy
// (src/adapters/retry-policy.ts: 3 attempts, 250 ms doubling backoff with jitter, Retry-After honoured up to 5 s,
// no retry after 20 s), the same for every provider, through the BUILT CLI. Before, ACR failed a render on a single
// 503 or 429 from its token service while ECR Public and GAR retried on the SDKs' own schedules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailureOptions } from '../fakes/google-server.js';
import { linesOf, renderInput, renderWithCli, startCloudRig, type CloudRig } from './built-cli-rig.js';

let rig: CloudRig;
beforeAll(async () => {
  rig = await startCloudRig();
});
afterAll(async () => {
  await rig?.close();
});

type Failure = { readonly status: number; readonly retryAfter?: string } | { readonly reset: true };

interface Endpoint {
  readonly title: string;
  readonly source: string;
  /** Queue `times` failures at the endpoint. */
  readonly fail: (rig: CloudRig, failure: Failure, times: number) => void;
  /** Requests the endpoint has seen. */
  readonly calls: (rig: CloudRig) => number;
  /** The start of the source's problem line. */
  readonly problem: RegExp;
}

const AWS_ERROR = { code: 'ServiceUnavailableException', message: 'Service is unavailable, try again' };
const awsFailure = (failure: Failure) =>
  'reset' in failure ? { status: 500, ...AWS_ERROR, reset: true } : { status: failure.status, ...AWS_ERROR, code: failure.status === 429 ? 'ThrottlingException' : AWS_ERROR.code, ...(failure.retryAfter ? { retryAfter: failure.retryAfter } : {}) };
const azureFailure = (failure: Failure) =>
  'reset' in failure ? { status: 500, body: {}, reset: true } : { status: failure.status, body: { errors: [{ code: 'UNAVAILABLE', message: 'try later' }] }, ...(failure.retryAfter ? { headers: { 'retry-after': failure.retryAfter } } : {}) };
const entraFailure = (failure: Failure) =>
  'reset' in failure ? { status: 500, body: {}, reset: true } : { status: failure.status, body: { error: 'temporarily_unavailable', error_description: 'AADSTS50196: The server is busy.' }, ...(failure.retryAfter ? { headers: { 'retry-after': failure.retryAfter } } : {}) };
const googleFailure = (failure: Failure): [number, string, FailureOptions] =>
  'reset' in failure ? [500, '', { reset: true }] : [failure.status, 'busy', failure.retryAfter ? { retryAfter: failure.retryAfter } : {}];

const endpoints: Endpoint[] = [
  {
    title: 'ECR GetAuthorizationToken',
    source: 'ecr',
    fail: (r, f, times) => r.aws.failNext('ecr', awsFailure(f), times),
    calls: (r) => r.aws.calls.filter((c) => c.service === 'ecr').length,
    problem: /^error: ImagePullSecret\/pull \(in\.yaml\): source ra\.ecr: ECR GetAuthorizationToken \(eu-west-1\): /,
  },
  {
    title: 'ECR Public GetAuthorizationToken',
    source: 'ecr-public',
    fail: (r, f, times) => r.aws.failNext('ecr-public', awsFailure(f), times),
    calls: (r) => r.aws.calls.filter((c) => c.service === 'ecr-public').length,
    problem: /^error: ImagePullSecret\/pull \(in\.yaml\): source ra\.ecr-public: ECR Public GetAuthorizationToken \(us-east-1\): /,
  },
  {
    title: 'ACR token service (/oauth2/exchange)',
    source: 'acr-mi',
    fail: (r, f, times) => {
      for (let i = 0; i < times; i++) r.azure.failNext('acr-exchange', azureFailure(f));
    },
    calls: (r) => r.azure.calls.filter((c) => c.endpoint === 'acr-exchange').length,
    problem: /^error: ImagePullSecret\/pull \(in\.yaml\): source ra\.acr-mi: ACR \/oauth2\/exchange at proxied\.azurecr\.io: /,
  },
  {
    title: 'Entra ID token endpoint (service principal)',
    source: 'acr-sp',
    fail: (r, f, times) => {
      for (let i = 0; i < times; i++) r.azure.failNext('entra-token', entraFailure(f));
    },
    calls: (r) => r.azure.calls.filter((c) => c.endpoint === 'entra-token').length,
    problem: /^error: ImagePullSecret\/pull \(in\.yaml\): source ra\.acr-sp: Entra ID token \(ServicePrincipal\): /,
  },
  {
    title: 'IMDS (managed identity)',
    source: 'acr-mi',
    fail: (r, f, times) => {
      for (let i = 0; i < times; i++) r.azure.failNext('imds', entraFailure(f));
    },
    calls: (r) => r.azure.calls.filter((c) => c.endpoint === 'imds').length,
    problem: /^error: ImagePullSecret\/pull \(in\.yaml\): source ra\.acr-mi: Entra ID token \(ManagedIdentity\): /,
  },
  {
    title: 'Google metadata server',
    source: 'gar-metadata',
    fail: (r, f, times) => {
      const [status, body, options] = googleFailure(f);
      r.google.failMetadataToken(status, body, times, options);
    },
    calls: (r) => r.google.calls.filter((c) => c.endpoint === 'metadata-token').length,
    problem: /^error: ImagePullSecret\/pull \(in\.yaml\): source ra\.gar-metadata: Google access token \(metadata server\): /,
  },
  {
    title: 'Google OAuth token endpoint (service-account key)',
    source: 'gar-key',
    fail: (r, f, times) => {
      const [status, body, options] = googleFailure(f);
      r.google.failOauthToken(status, body, times, options);
    },
    calls: (r) => r.google.calls.filter((c) => c.endpoint === 'oauth2-token').length,
    problem: /^error: ImagePullSecret\/pull \(in\.yaml\): source ra\.gar-key: Google access token \(service-account key\): /,
  },
];

const SUCCESS = ['rendered 1 Secret for ImagePullSecret pull: namespace app'];

async function render(source: string): Promise<{ code: number; stderr: string[]; ms: number }> {
  const started = Date.now();
  const ran = await renderWithCli(rig, renderInput([source]), rig.env('direct'));
  return { code: ran.code, stderr: linesOf(ran.stderr), ms: Date.now() - started };
}

describe('transient provider errors: one bounded retry policy for every provider (built CLI)', () => {
  for (const e of endpoints) {
    describe(e.title, () => {
      it('one 503: retried once, the render succeeds', async () => {
        rig.reset();
        e.fail(rig, { status: 503 }, 1);
        expect(await render(e.source)).toMatchObject({ code: 0, stderr: SUCCESS });
        expect(e.calls(rig)).toBe(2);
      });

      it('one reset connection: retried once, the render succeeds', async () => {
        rig.reset();
        e.fail(rig, { reset: true }, 1);
        expect(await render(e.source)).toMatchObject({ code: 0, stderr: SUCCESS });
        expect(e.calls(rig)).toBe(2);
      });

      it('one 429 with Retry-After: 1: the retry waits the second the server asked for', async () => {
        rig.reset();
        e.fail(rig, { status: 429, retryAfter: '1' }, 1);
        const ran = await render(e.source);
        expect(ran).toMatchObject({ code: 0, stderr: SUCCESS });
        expect(e.calls(rig)).toBe(2);
        // A lower bound only: the retry cannot have come sooner (the backoff alone is at most 250 ms).
        expect(ran.ms).toBeGreaterThanOrEqual(1000);
      });

      it('a persistent 503: three attempts, then one problem line saying so, within the bound', async () => {
        rig.reset();
        e.fail(rig, { status: 503 }, 10);
        const ran = await render(e.source);
        expect(ran.code).toBe(1);
        expect(ran.stderr).toHaveLength(1);
        expect(ran.stderr[0]).toMatch(e.problem);
        expect(ran.stderr[0]).toMatch(/\(gave up after 3 attempts\)$/);
        expect(e.calls(rig)).toBe(3);
        // How long the policy may wait in all is checked on a simulated clock: test/unit/retry-policy.test.ts.
      });
    });
  }

  it('a Retry-After longer than 5 s is not waited for: one attempt, and the line says why', async () => {
    rig.reset();
    rig.azure.failNext('acr-exchange', azureFailure({ status: 429, retryAfter: '120' }));
    const ran = await render('acr-mi');
    expect(ran.code).toBe(1);
    expect(ran.stderr).toEqual([
      'error: ImagePullSecret/pull (in.yaml): source ra.acr-mi: ACR /oauth2/exchange at proxied.azurecr.io: HTTP 429: UNAVAILABLE: try later (Retry-After 120 s is longer than the 5 s a token request waits; not retried)',
    ]);
    expect(rig.azure.calls.filter((c) => c.endpoint === 'acr-exchange')).toHaveLength(1);
  });

  it('a permanent error (403) is not retried', async () => {
    rig.reset();
    rig.azure.failNext('acr-exchange', { status: 403, body: { errors: [{ code: 'DENIED', message: 'no pull role' }] } });
    const ran = await render('acr-mi');
    expect(ran.stderr).toEqual(['error: ImagePullSecret/pull (in.yaml): source ra.acr-mi: ACR /oauth2/exchange at proxied.azurecr.io: HTTP 403: DENIED: no pull role']);
    expect(rig.azure.calls.filter((c) => c.endpoint === 'acr-exchange')).toHaveLength(1);
  });
});
