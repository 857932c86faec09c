// Issue 13's renewal: an ImagePullSecret with an ECR and an ACR source and repository credentials for Argo CD and
// Kargo, through the real cloud clients against the loopback fakes (providers-harness.ts: Date is the injected
// clock). Each token is renewed before it expires, by its own lifetime (ACR 3 h: after 1.5 h; ECR 12 h: after 6 h),
// with exactly one token call per renewal, and every Secret holding that login is updated from it: the pull Secret
// and the credentials. The Secrets of the other login are not written.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatTime } from '../../src/core/render.js';
import { claimsOf } from '../fakes/fake-jwt.js';
import type { KubeObject } from '../fakes/kube-api-server.js';
import { dockerConfigOf, ecrSource, imps, ns, secretOf, statusOf } from './harness.js';
import { acrSource, freezeProcessClock, settle, START, startCloudFakes, startControllerRig, waitUntil, type CloudFakes, type ControllerRig } from './providers-harness.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const MI_CLIENT = 'mi-charts-client';
const ECR_HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

let fakes: CloudFakes;
let rig: ControllerRig | undefined;

beforeAll(async () => {
  fakes = await startCloudFakes();
});
afterAll(async () => {
  await fakes.close();
});
beforeEach(() => {
  freezeProcessClock();
  fakes.reset();
  fakes.azure.allowManagedIdentity(MI_CLIENT);
  fakes.aws.setNow(() => new Date());
});
afterEach(async () => {
  await rig?.close();
  rig = undefined;
  vi.useRealTimers();
});

const ecrCalls = (): number => fakes.aws.calls.filter((call) => call.service === 'ecr' && call.action === 'GetAuthorizationToken').length;
const acrCalls = (): number => fakes.azure.calls.filter((call) => call.endpoint === 'acr-exchange').length;

function plain(secret: KubeObject | undefined): Record<string, string> {
  const data = (secret?.['data'] ?? {}) as Record<string, string>;
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

describe('controller: repository credentials of an ECR and an ACR source, renewed', () => {
  it('renews each token once, by its own expiry, and updates the pull Secret and every credential holding it', async () => {
    const acrRegistry = fakes.azure.httpUrl;
    rig = await startControllerRig([
      ns('default'),
      ns('creds'),
      ns('app'),
      ns('argocd'),
      ns('kargo-demo'),
      ecrSource('creds', 'ecr'),
      acrSource('creds', 'acr', { registry: acrRegistry, clientID: MI_CLIENT }),
      imps('charts', {
        registry: { credentials: [{ namespace: 'creds', name: 'ecr' }, { namespace: 'creds', name: 'acr' }] },
        target: {
          secret: { name: 'regcred' },
          namespaces: { names: ['app'] },
          repositoryCredentials: { argocd: [{}], kargo: [{ namespace: 'kargo-demo', credType: 'image' }] },
        },
      }),
    ]);
    const { kube } = rig;
    const ecr = { argocd: `regcred-argocd-helm-${ECR_HOST}`, kargo: `regcred-kargo-image-${ECR_HOST}` };
    const acr = { argocd: 'regcred-argocd-helm-127.0.0.1', kargo: 'regcred-kargo-image-127.0.0.1' };
    const holders = (which: typeof ecr): KubeObject[] => [secretOf(kube, 'argocd', which.argocd)!, secretOf(kube, 'kargo-demo', which.kargo)!];
    const versions = (which: typeof ecr): string[] => holders(which).map((secret) => String(secret.metadata.resourceVersion));

    await waitUntil(() => statusOf(kube, 'charts')?.['status'] === 'Ready');
    await settle();
    expect([ecrCalls(), acrCalls()]).toEqual([1, 1]);
    const pull = (): ReturnType<typeof dockerConfigOf> => dockerConfigOf(secretOf(kube, 'app', 'regcred'));
    const firstAcr = pull()?.auths[acrRegistry]?.password;
    expect(firstAcr).toBeDefined();
    for (const secret of holders(acr)) {
      expect(plain(secret)).toMatchObject({ username: '00000000-0000-0000-0000-000000000000', password: firstAcr });
      // Each credential carries its own login's expiry: the ACR token's exp claim, 3 h.
      expect(secret.metadata.annotations?.['imps-krm.io/expires-at']).toBe(formatTime(new Date(START.getTime() + 3 * HOUR)));
    }
    for (const secret of holders(ecr)) {
      expect(plain(secret)).toMatchObject({ username: 'AWS', password: pull()?.auths[ECR_HOST]?.password });
      expect(secret.metadata.annotations?.['imps-krm.io/expires-at']).toBe(formatTime(new Date(START.getTime() + 12 * HOUR)));
    }
    // The pull Secret expires with its earliest login.
    expect(secretOf(kube, 'app', 'regcred')?.metadata.annotations?.['imps-krm.io/expires-at']).toBe(formatTime(new Date(START.getTime() + 3 * HOUR)));

    // Just before half the ACR token's life: no call, no write.
    kube.resetRequests();
    rig.clock.advance(90 * MINUTE - 1000);
    await settle();
    expect([ecrCalls(), acrCalls()]).toEqual([1, 1]);
    expect(kube.requests.filter((request) => request.method !== 'GET')).toEqual([]);

    // At half its life: one ACR call; the ACR login is rewritten everywhere, the ECR credentials are not touched.
    const ecrVersions = versions(ecr);
    rig.clock.advance(2000);
    await waitUntil(() => pull()?.auths[acrRegistry]?.password !== firstAcr && holders(acr).every((secret) => plain(secret)['password'] === pull()?.auths[acrRegistry]?.password));
    await settle();
    expect([ecrCalls(), acrCalls()]).toEqual([1, 2]);
    const renewedAcr = pull()?.auths[acrRegistry]?.password ?? '';
    const exp = claimsOf(renewedAcr)?.['exp'];
    expect(typeof exp).toBe('number');
    for (const secret of holders(acr)) expect(secret.metadata.annotations?.['imps-krm.io/expires-at']).toBe(formatTime(new Date((exp as number) * 1000)));
    expect(versions(ecr)).toEqual(ecrVersions);

    // At half the ECR token's life (6 h): one ECR call, and one ACR call (its next renewal is due too).
    fakes.aws.setEcrPassword('AKIDCONTROLLER', 'ecr-renewed-password');
    rig.clock.advance(6 * HOUR - 90 * MINUTE);
    await waitUntil(() => pull()?.auths[ECR_HOST]?.password === 'ecr-renewed-password' && holders(ecr).every((secret) => plain(secret)['password'] === 'ecr-renewed-password'));
    await settle();
    expect([ecrCalls(), acrCalls()]).toEqual([2, 3]);
    for (const secret of holders(ecr)) expect(secret.metadata.annotations?.['imps-krm.io/expires-at']).toBe(formatTime(new Date(START.getTime() + 18 * HOUR + 1000)));
    expect(statusOf(kube, 'charts')).toMatchObject({ status: 'Ready', managedNamespaces: ['app'] });
  });
});
