import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { cloudTokenProvider } from '../../src/adapters/cloud-token-provider.js';
import { loadKubeAccess } from '../../src/adapters/kube/kube-access.js';
import { kubeHttp } from '../../src/adapters/kube/kube-http.js';
import { jsonLogger } from '../../src/controller/runtime/logger.js';
import { createMetrics } from '../../src/controller/runtime/metrics.js';
import { runController, type RunningController } from '../../src/controller/process/run-controller.js';
import { systemTimers } from '../../src/controller/runtime/timers.js';
import { Redactor } from '../../src/core/redaction.js';
import { startFakeKubeApi, type FakeKubeApi } from '../fakes/kube-api-server.js';
import { CONTROLLER } from '../admission/attempts.js';
import { assertAdmitted, CONTROLLER_POLICIES, policyAdmission } from '../admission/fake-admission.js';
import { dockerSource, imps, ns, secretOf, waitFor } from './harness.js';

let kube: FakeKubeApi | undefined;
let admission = policyAdmission(CONTROLLER_POLICIES);
const replicas: RunningController[] = [];
afterEach(async () => {
  await Promise.all(replicas.splice(0).map((replica) => replica.stop()));
  await kube?.close();
  assertAdmitted(admission);
  admission = policyAdmission(CONTROLLER_POLICIES);
});
/** The controller's identity and the shipped admission policies in front of every write. */
const asController = () => ({ users: { 'fake-token': CONTROLLER }, admission: admission.hook });

const timings = { leaseDurationMs: 600, renewDeadlineMs: 400, retryPeriodMs: 100 };

async function replica(api: FakeKubeApi, identity: string): Promise<RunningController> {
  const redactor = new Redactor();
  const quiet = new Writable({ write: (_chunk, _enc, cb) => cb() });
  const running = await runController({
    http: kubeHttp(loadKubeAccess({ kubeconfig: api.kubeconfigPath })!),
    tokens: cloudTokenProvider(),
    timers: systemTimers,
    log: jsonLogger(quiet, redactor, systemTimers),
    metrics: createMetrics({ processMetrics: false }),
    redactor,
    opsAddresses: { metrics: '127.0.0.1:0', health: '127.0.0.1:0' },
    leaseNamespace: 'imps-system',
    leaseTimings: timings,
    identity,
  });
  replicas.push(running);
  return running;
}

describe('two replicas with leader election', () => {
  it('only the Lease holder reconciles; the standby takes over when the leader stops', async () => {
    kube = await startFakeKubeApi({
      ...asController(),
      objects: [
        ns('imps-system'),
        ns('creds'),
        ns('app', { pull: 'yes' }),
        dockerSource('creds', 'hub', 'r.example', 'pw-1234'),
        imps('pull', { registry: { credentials: [{ namespace: 'creds', name: 'hub' }] }, target: { secret: { name: 'regcred' }, namespaces: { labels: [{ matchLabels: { pull: 'yes' } }] } } }),
      ],
    });
    const api = kube;
    const a = await replica(api, 'replica-a');
    await waitFor(() => a.controller()?.ready);
    const b = await replica(api, 'replica-b');
    await waitFor(() => secretOf(api, 'app', 'regcred'));
    await new Promise((resolve) => setTimeout(resolve, 3 * timings.leaseDurationMs));
    expect(b.controller()).toBeUndefined();
    expect(api.get('coordination.k8s.io/v1', 'Lease', 'imps-krm-controller', 'imps-system')?.['spec']).toMatchObject({ holderIdentity: 'replica-a' });

    // Standby is ready (it can take over), and serves metrics.
    const ready = await fetch(`http://127.0.0.1:${b.ops!.health!.port}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${a.ops!.metrics!.port}/metrics`)).text();
    expect(metrics).toContain('imps_krm_leader 1');

    await a.stop();
    expect(await a.done).toBe(0);
    await waitFor(() => b.controller()?.ready, 3000);
    api.put(ns('app-2', { pull: 'yes' }));
    await waitFor(() => secretOf(api, 'app-2', 'regcred'), 3000);
    expect(api.get('coordination.k8s.io/v1', 'Lease', 'imps-krm-controller', 'imps-system')?.['spec']).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1 });
  });

  it('a leader that cannot renew steps down (exit 1) before another replica may take over', async () => {
    kube = await startFakeKubeApi({ ...asController(), objects: [ns('imps-system')] });
    const api = kube;
    const a = await replica(api, 'replica-a');
    await waitFor(() => a.controller());
    api.inject({ match: (r) => r.path.includes('/leases/'), status: 503, times: Infinity });
    expect(await a.done).toBe(1);
  });
});
