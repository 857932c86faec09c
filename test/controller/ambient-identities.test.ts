// Issue 9, "one identity, one fetch", in the controller: the process's own identity (IRSA web identity, an Azure
// managed identity) is fetched once and kept until 5 minutes before it expires (src/adapters/ambient-identities.ts),
// however many registry tokens it mints and renews meanwhile: one fetch per identity lifetime. The registry tokens
// here live 10 minutes (renewed every 5), the identities an hour; the process clock is simulated (providers-harness).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KubeObject } from '../fakes/kube-api-server.js';
import { withEnv } from '../golden/harness.js';
import { b64, imps, ns } from './harness.js';
import { acrSource, freezeProcessClock, settle, startCloudFakes, startControllerRig, waitUntil, type CloudFakes, type ControllerRig } from './providers-harness.js';

const MINUTE = 60_000;
const ROLE = 'arn:aws:iam::123456789012:role/irsa-pull';
const WEB_TOKEN = 'CANARY-projected-token';
const MI_CLIENT = 'mi-lifetime-client';

let fakes: CloudFakes;
let rig: ControllerRig | undefined;
let restoreEnv: (() => void) | undefined;

beforeAll(async () => {
  fakes = await startCloudFakes();
});
afterAll(async () => {
  await fakes.close();
});
beforeEach(() => {
  freezeProcessClock();
  fakes.reset();
  const file = join(mkdtempSync(join(tmpdir(), 'imps-krm-irsa-')), 'token');
  writeFileSync(file, WEB_TOKEN);
  restoreEnv = withEnv({ AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: file });
});
afterEach(async () => {
  await rig?.close();
  rig = undefined;
  restoreEnv?.();
  vi.useRealTimers();
});

const keylessEcr = (name: string, region: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'creds' },
  type: 'banzaicloud.io/aws-ecr-login-config',
  data: { accountID: b64('123456789012'), region: b64(region) },
});
const keylessEcrPublic: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'public', namespace: 'creds' }, type: 'imps-krm.io/ecr-public-login-config', data: {} };
const pull = (name: string, sources: string[]): KubeObject =>
  imps(name, { registry: { credentials: sources.map((source) => ({ namespace: 'creds', name: source })) }, target: { secret: { name }, namespaces: { names: ['team'] } } });

describe('the controller fetches each identity of the process once per identity lifetime', () => {
  it('IRSA: ECR in two regions and ECR Public, renewed every 5 minutes for an hour, on 2 AssumeRoleWithWebIdentity calls', async () => {
    fakes.aws.allowWebIdentity(ROLE, WEB_TOKEN);
    fakes.aws.setTokenLifetimeSeconds(600);
    const r = await startControllerRig([ns('default'), ns('creds'), ns('team'), keylessEcr('eu', 'eu-west-1'), keylessEcr('us', 'us-east-1'), keylessEcrPublic, pull('pull-eu', ['eu', 'public']), pull('pull-us', ['us'])]);
    rig = r;
    const identity = () => fakes.aws.calls.filter((call) => call.action === 'AssumeRoleWithWebIdentity').length;
    const tokens = () => fakes.aws.calls.filter((call) => call.action === 'GetAuthorizationToken').length;
    await waitUntil(() => tokens() === 3);
    await r.controller.idle();
    expect(identity()).toBe(1);
    // 5-minute renewals up to 50 minutes: the role's credentials (1 h) are still more than 5 minutes from expiry.
    for (let step = 1; step <= 10; step++) {
      r.clock.advance(5 * MINUTE + 1000);
      await waitUntil(() => tokens() === 3 * (step + 1));
      await r.controller.idle();
      await settle(50);
    }
    expect({ tokens: tokens(), identity: identity() }).toEqual({ tokens: 33, identity: 1 });
    // Past 55 minutes the credentials are due: one new call, shared again by the three tokens.
    r.clock.advance(5 * MINUTE + 1000);
    await waitUntil(() => tokens() === 36);
    await r.controller.idle();
    expect(identity()).toBe(2);
  });

  it('Azure managed identity: two registry tokens renewed for an hour on 2 IMDS calls', async () => {
    fakes.azure.allowManagedIdentity(MI_CLIENT);
    fakes.azure.setLifetimes(600, 600);
    const registry = fakes.azure.httpUrl;
    const r = await startControllerRig([
      ns('default'),
      ns('creds'),
      ns('team'),
      acrSource('creds', 'acr', { registry, clientID: MI_CLIENT }),
      acrSource('creds', 'acr-scoped', { registry, clientID: MI_CLIENT, scope: 'repository:team/app:pull' }),
      pull('pull-acr', ['acr']),
      pull('pull-acr-scoped', ['acr-scoped']),
    ]);
    rig = r;
    const identity = () => fakes.azure.calls.filter((call) => call.endpoint === 'imds').length;
    const exchanges = () => fakes.azure.calls.filter((call) => call.endpoint === 'acr-exchange').length;
    await waitUntil(() => exchanges() === 2);
    await r.controller.idle();
    expect(identity()).toBe(1);
    for (let step = 1; step <= 10; step++) {
      r.clock.advance(5 * MINUTE + 1000);
      await waitUntil(() => exchanges() === 2 * (step + 1));
      await r.controller.idle();
      await settle(50);
    }
    expect({ exchanges: exchanges(), identity: identity() }).toEqual({ exchanges: 22, identity: 1 });
    r.clock.advance(5 * MINUTE + 1000);
    await waitUntil(() => exchanges() === 24);
    await r.controller.idle();
    expect(identity()).toBe(2);
  });
});
