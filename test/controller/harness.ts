import { Writable } from 'node:stream';
import { loadKubeAccess } from '../../src/adapters/kube/kube-access.js';
import { kubeHttp } from '../../src/adapters/kube/kube-http.js';
import { cloudTokenProvider } from '../../src/adapters/cloud-token-provider.js';
import { Controller } from '../../src/controller/imps/controller.js';
import { jsonLogger } from '../../src/controller/runtime/logger.js';
import { createMetrics, type ControllerMetrics } from '../../src/controller/runtime/metrics.js';
import { Redactor } from '../../src/core/redaction.js';
import type { TokenProvider } from '../../src/ports/tokens.js';
import { startFakeAws, type FakeAws } from '../fakes/aws-server.js';
import { startFakeKubeApi, type FakeKubeApi, type KubeObject } from '../fakes/kube-api-server.js';
import { withEnv } from '../golden/harness.js';
import { CONTROLLER } from '../admission/attempts.js';
import { assertAdmitted, CONTROLLER_POLICIES, policyAdmission, type PolicyAdmission } from '../admission/fake-admission.js';
import { FakeTimers } from './fake-timers.js';

export const START = new Date('2026-11-22T00:00:00Z');
export const CANARY_SECRET_KEY = 'CANARY-aws-secret-key-0001';
export const CANARY_PASSWORD = 'CANARY-docker-password-0002';
export const CANARY_ECR = 'CANARY-ecr-token-password-0003';

export const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

export function dockerSource(namespace: string, name: string, registry: string, password: string): KubeObject {
  const auth = { auths: { [registry]: { username: 'robot', password, auth: b64(`robot:${password}`) } } };
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify(auth)) } };
}

export function ecrSource(namespace: string, name: string, accessKeyId = 'AKIDCONTROLLER'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'banzaicloud.io/aws-ecr-login-config',
    data: { accountID: b64('123456789012'), region: b64('us-east-1'), accessKeyID: b64(accessKeyId), secretKey: b64(CANARY_SECRET_KEY) },
  };
}

export function imps(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', metadata: { name }, spec };
}

export interface Rig {
  kube: FakeKubeApi;
  aws: FakeAws;
  timers: FakeTimers;
  controller: Controller;
  metrics: ControllerMetrics;
  /** The shipped admission policies judge every write the controller makes; `close` fails on a denial. */
  admission: PolicyAdmission;
  logs: () => string;
  close: () => Promise<void>;
}

export async function startRig(objects: KubeObject[], options: { tokens?: TokenProvider; start?: boolean; requireSourceConsent?: boolean; garbageCollection?: boolean } = {}): Promise<Rig> {
  const admission = policyAdmission(CONTROLLER_POLICIES);
  const kube = await startFakeKubeApi({ objects, bookmarkIntervalMs: 200, users: { 'fake-token': CONTROLLER }, admission: admission.hook, garbageCollection: options.garbageCollection ?? true });
  const aws = await startFakeAws();
  const timers = new FakeTimers(START);
  aws.setNow(() => timers.now());
  aws.setEcrPassword('AKIDCONTROLLER', CANARY_ECR);
  const restore = withEnv(aws.env());
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => (lines.push(chunk.toString()), cb()) });
  const redactor = new Redactor();
  const metrics = createMetrics({ processMetrics: false });
  const controller = new Controller({
    http: kubeHttp(loadKubeAccess({ kubeconfig: kube.kubeconfigPath })!, (verb, code) => metrics.apiRequests.inc({ verb, code: String(code) })),
    tokens: options.tokens ?? cloudTokenProvider(),
    timers,
    log: jsonLogger(sink, redactor, timers, 'debug'),
    metrics,
    redactor,
    backoff: { baseMs: 50, maxMs: 500 },
    ...(options.requireSourceConsent ? { requireSourceConsent: true } : {}),
  });
  if (options.start ?? true) await controller.start();
  return {
    kube,
    aws,
    timers,
    controller,
    metrics,
    admission,
    logs: () => lines.join(''),
    close: async () => {
      await controller.stop();
      restore();
      await Promise.all([kube.close(), aws.close()]);
      assertAdmitted(admission);
    },
  };
}

/** Polls until `check` returns a value (not undefined/false) or fails after `timeoutMs` of real time. */
export async function waitFor<T>(check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function secretOf(kube: FakeKubeApi, namespace: string, name: string): KubeObject | undefined {
  return kube.get('v1', 'Secret', name, namespace);
}

export function dockerConfigOf(secret: KubeObject | undefined): { auths: Record<string, { password: string }> } | undefined {
  const data = secret?.['data'] as Record<string, string> | undefined;
  const raw = data?.['.dockerconfigjson'];
  return raw ? (JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as { auths: Record<string, { password: string }> }) : undefined;
}

export function statusOf(kube: FakeKubeApi, name: string): Record<string, unknown> | undefined {
  return kube.get('images.banzaicloud.io/v1alpha1', 'ImagePullSecret', name)?.['status'] as Record<string, unknown> | undefined;
}
