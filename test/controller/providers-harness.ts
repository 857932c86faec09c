// A controller/refresher rig whose token providers are the REAL cloud clients (AWS SDK, @azure/identity + our ACR
// exchange, google-auth-library) against the loopback fakes, for renewal tests.
//
// Why the process clock is faked: google-auth-library turns `expires_in` into an absolute expiry with
// `new Date()`, MSAL checks its cached IMDS token with `new Date()`, and the fakes stamp expiries with it too. An
// injected clock that only the controller sees (test/controller/fake-timers.ts) would disagree with all of them.
// So `Date` itself is the injected clock here: frozen at START, moved only by `ProcessClock.advance`. Real
// setTimeout still runs, so short waits (debounce, backoff) pass on their own while the clock stands still, and
// every expiry the tests read is exact.
import { ambientIdentities } from '../../src/adapters/ambient-identities.js';
import { Writable } from 'node:stream';
import { vi } from 'vitest';
import { loadKubeAccess } from '../../src/adapters/kube/kube-access.js';
import { kubeHttp } from '../../src/adapters/kube/kube-http.js';
import { cloudTokenProvider } from '../../src/adapters/cloud-token-provider.js';
import { Controller } from '../../src/controller/imps/controller.js';
import { jsonLogger } from '../../src/controller/runtime/logger.js';
import { createMetrics, type ControllerMetrics } from '../../src/controller/runtime/metrics.js';
import { Refresher, type SecretRef } from '../../src/controller/refresher/refresher.js';
import { Redactor } from '../../src/core/redaction.js';
import { startFakeAws, type FakeAws } from '../fakes/aws-server.js';
import { startFakeAzure, type FakeAzure } from '../fakes/azure-server.js';
import { startFakeGoogle, type FakeGoogle } from '../fakes/google-server.js';
import { startFakeKubeApi, type FakeKubeApi, type KubeObject } from '../fakes/kube-api-server.js';
import { withEnv } from '../golden/harness.js';
import { CONTROLLER, REFRESHER } from '../admission/attempts.js';
import { assertAdmitted, CONTROLLER_POLICIES, policyAdmission, REFRESH_POLICIES, type PolicyAdmission } from '../admission/fake-admission.js';
import { cloudTls } from '../providers/cloud-tls.js';
import { GOOGLE_ISOLATION } from '../providers/google-env.js';
import type { ProcessDeps } from '../../src/controller/process/process-deps.js';
import { FakeTimers } from './fake-timers.js';
import { b64 } from './harness.js';

export const START = new Date('2026-11-22T00:00:00Z');

/** Freezes `Date` at START for the current test; undo with `vi.useRealTimers()`. Only Date: timers stay real. */
export function freezeProcessClock(): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(START);
}

/**
 * The controller's Timers over the (frozen) process clock: google-auth-library, MSAL and the fakes read `Date`
 * too, so `advance` moves Date itself rather than an offset only the controller would see.
 */
export class ProcessClock extends FakeTimers {
  override now(): Date {
    return new Date();
  }

  protected override moveClock(ms: number): void {
    vi.setSystemTime(Date.now() + ms);
  }
}

export interface CloudFakes {
  readonly aws: FakeAws;
  readonly azure: FakeAzure;
  readonly google: FakeGoogle;
  /** Clears calls and knobs between tests. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * Every cloud fake, reached through the overrides a user would set. The Azure flows here are the in-process ones:
 * managed identity over IMDS (http) and the ACR token service with the test-only insecure registry setting.
 */
export async function startCloudFakes(): Promise<CloudFakes> {
  const [aws, azure, google] = await Promise.all([startFakeAws(), startFakeAzure(cloudTls()), startFakeGoogle(cloudTls())]);
  const restore = withEnv({
    ...aws.env(),
    AZURE_POD_IDENTITY_AUTHORITY_HOST: azure.httpUrl,
    IMPS_KRM_INSECURE_REGISTRY_HOSTS: '127.0.0.1',
    ...GOOGLE_ISOLATION,
    GCE_METADATA_HOST: google.metadataHost,
  });
  return {
    aws,
    azure,
    google,
    reset() {
      // The identities the providers keep for the process (ambient-identities.ts) belong to the fakes being reset.
      ambientIdentities.forget();
      aws.reset();
      azure.reset();
      google.reset();
    },
    async close() {
      restore();
      await Promise.all([aws.close(), azure.close(), google.close()]);
    },
  };
}

export const CANARY_PUBLIC_SECRET = 'CANARY-ecr-public-secret-0101';

export function ecrPublicSource(namespace: string, name: string, accessKeyId = 'AKIAPUBLICRENEW'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'imps-krm.io/ecr-public-login-config',
    data: { accessKeyID: b64(accessKeyId), secretKey: b64(CANARY_PUBLIC_SECRET) },
  };
}

export function acrSource(namespace: string, name: string, fields: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'imps-krm.io/acr-login-config',
    data: Object.fromEntries(Object.entries({ identity: 'ManagedIdentity', ...fields }).map(([key, value]) => [key, b64(value)])),
  };
}

export function garSource(namespace: string, name: string, registry: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'imps-krm.io/gar-login-config', data: { registry: b64(registry) } };
}

interface RigBase {
  readonly kube: FakeKubeApi;
  readonly clock: ProcessClock;
  readonly metrics: ControllerMetrics;
  /** The shipped admission policies judge every write; `close` fails on a denial. */
  readonly admission: PolicyAdmission;
  readonly logs: () => string;
}

export interface ControllerRig extends RigBase {
  readonly controller: Controller;
  close(): Promise<void>;
}

export interface RefresherRig extends RigBase {
  readonly refresher: Refresher;
  close(): Promise<void>;
}

/** The fake cluster and everything both modes are built from, with the real cloud token providers. */
async function startBase(objects: KubeObject[], username: string, policies: string): Promise<{ base: RigBase; deps: ProcessDeps }> {
  const admission = policyAdmission(policies);
  const kube = await startFakeKubeApi({ objects, bookmarkIntervalMs: 200, users: { 'fake-token': username }, admission: admission.hook });
  const clock = new ProcessClock();
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => (lines.push(chunk.toString()), cb()) });
  const redactor = new Redactor();
  const metrics = createMetrics({ processMetrics: false });
  const deps: ProcessDeps = {
    http: kubeHttp(loadKubeAccess({ kubeconfig: kube.kubeconfigPath })!),
    tokens: cloudTokenProvider(),
    timers: clock,
    log: jsonLogger(sink, redactor, clock, 'debug'),
    metrics,
    redactor,
    backoff: { baseMs: 50, maxMs: 500 },
  };
  return { base: { kube, clock, metrics, admission, logs: () => lines.join('') }, deps };
}

/** The controller with the real cloud token providers (what `imps-krm controller` builds), on the process clock. */
export async function startControllerRig(objects: KubeObject[]): Promise<ControllerRig> {
  const { base, deps } = await startBase(objects, CONTROLLER, CONTROLLER_POLICIES);
  const controller = new Controller(deps);
  await controller.start();
  return {
    ...base,
    controller,
    close: async () => {
      await controller.stop();
      await base.kube.close();
      assertAdmitted(base.admission);
    },
  };
}

/** `imps-krm refresh` (running, not --once) with the real cloud token providers, on the process clock. */
export async function startRefresherRig(objects: KubeObject[], target: SecretRef, sources: readonly [SecretRef, ...SecretRef[]]): Promise<RefresherRig> {
  const { base, deps } = await startBase(objects, REFRESHER, REFRESH_POLICIES);
  const refresher = new Refresher({ ...deps, target, sources });
  const running = refresher.run();
  return {
    ...base,
    refresher,
    close: async () => {
      refresher.stop();
      await running;
      await base.kube.close();
      assertAdmitted(base.admission);
    },
  };
}

/**
 * Polls until `check` returns a value, for at most `timeoutMs` of real time. The harness's own waitFor reads
 * Date.now(), which stands still here.
 */
export async function waitUntil<T>(check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Lets in-flight work (debounce, queued reconciles, HTTP round trips) finish; real time, the clock stands still. */
export function settle(ms = 150): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
