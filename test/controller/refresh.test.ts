import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeAccess } from '../../src/adapters/kube/kube-access.js';
import { kubeHttp } from '../../src/adapters/kube/kube-http.js';
import { cloudTokenProvider } from '../../src/adapters/cloud-token-provider.js';
import { jsonLogger } from '../../src/controller/runtime/logger.js';
import { createMetrics } from '../../src/controller/runtime/metrics.js';
import { parseSecretRef, Refresher } from '../../src/controller/refresher/refresher.js';
import { Redactor } from '../../src/core/redaction.js';
import { startFakeAws, type FakeAws } from '../fakes/aws-server.js';
import { startFakeKubeApi } from '../fakes/kube-api-server.js';
import { withEnv } from '../golden/harness.js';
import { requireBuiltCli, runBuiltCli, type CliResult } from '../support/run-built-cli.js';
import { REFRESHER } from '../admission/attempts.js';
import { assertAdmitted, policyAdmission, REFRESH_POLICIES } from '../admission/fake-admission.js';
import { FakeTimers } from './fake-timers.js';
import { CANARY_ECR, CANARY_PASSWORD, CANARY_SECRET_KEY, dockerConfigOf, dockerSource, ecrSource, ns, secretOf, START, waitFor } from './harness.js';

let aws: FakeAws;
let restore: () => void;
beforeAll(async () => {
  aws = await startFakeAws();
  // For the Refresher run in-process below; the command runs the built CLI with aws.env() as its environment.
  restore = withEnv(aws.env());
});
afterAll(async () => {
  restore();
  await aws.close();
});

/** The refresher's identity and its shipped admission policy in front of every write (checked in afterEach). */
let admission = policyAdmission(REFRESH_POLICIES);
afterEach(() => {
  const judged = admission;
  admission = policyAdmission(REFRESH_POLICIES);
  assertAdmitted(judged);
});
const asRefresher = () => ({ users: { 'fake-token': REFRESHER }, admission: admission.hook });

requireBuiltCli();
/** `imps-krm refresh` as users run it: the built CLI in a child process, pointed at the fake AWS. */
const refresh = (args: string[]): Promise<CliResult> => runBuiltCli(['refresh', ...args], { cwd: process.cwd(), env: aws.env() });

const objects = () => [ns('creds'), ns('apps'), dockerSource('creds', 'hub', 'https://index.docker.io/v1/', CANARY_PASSWORD), ecrSource('creds', 'ecr')];

describe('imps-krm refresh', () => {
  it('parses IMPS references: exactly namespace.name', () => {
    expect(parseSecretRef('ns.name')).toEqual({ namespace: 'ns', name: 'name' });
    expect(parseSecretRef('a.b.c')).toBeUndefined();
    expect(parseSecretRef('nodot')).toBeUndefined();
  });

  it('--once writes the merged target, then exits 0 without another write when nothing changed', async () => {
    aws.reset();
    // A fixed registry clock: the second run gets the same token and expiry, so it must not write.
    aws.setNow(() => START);
    aws.setEcrPassword('AKIDCONTROLLER', CANARY_ECR);
    const kube = await startFakeKubeApi({ ...asRefresher(), objects: objects() });
    try {
      const args = ['--once', '--kubeconfig', kube.kubeconfigPath, '--target-secret', 'apps.regcred', '--source-secret', 'creds.hub', '--source-secret', 'creds.ecr', '--metrics-addr', ''];
      const first = await refresh(args);
      expect(first.code).toBe(0);
      const config = dockerConfigOf(secretOf(kube, 'apps', 'regcred'));
      expect(Object.keys(config?.auths ?? {})).toEqual(['123456789012.dkr.ecr.us-east-1.amazonaws.com', 'https://index.docker.io/v1/']);
      expect(config?.auths['123456789012.dkr.ecr.us-east-1.amazonaws.com']?.password).toBe(CANARY_ECR);
      expect(first.stdout).toBe('');
      kube.resetRequests();
      const second = await refresh(args);
      expect(second.code).toBe(0);
      expect(kube.requests.filter((request) => request.method !== 'GET')).toEqual([]);
      for (const canary of [CANARY_ECR, CANARY_PASSWORD, CANARY_SECRET_KEY]) expect(first.stderr + second.stderr).not.toContain(canary);
    } finally {
      await kube.close();
    }
  });

  it('--once keeps the existing target and exits 1 when ECR fails', async () => {
    aws.reset();
    const existing = { ...dockerSource('apps', 'regcred', 'old.example', 'old-password'), metadata: { name: 'regcred', namespace: 'apps' } };
    const kube = await startFakeKubeApi({ ...asRefresher(), objects: [...objects(), existing] });
    try {
      aws.failNext('ecr', { status: 400, code: 'AccessDeniedException', message: 'denied' }, 10);
      const run = await refresh(['--once', '--kubeconfig', kube.kubeconfigPath, '--target-secret', 'apps.regcred', '--source-secret', 'creds.ecr', '--metrics-addr', '']);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('AccessDeniedException');
      expect(JSON.parse(run.stderr.split('\n')[0]!)).toMatchObject({ level: 'error', msg: 'refresh failed' });
      expect(dockerConfigOf(secretOf(kube, 'apps', 'regcred'))?.auths['old.example']?.password).toBe('old-password');
    } finally {
      await kube.close();
    }
  });

  it('rejects bad references with a usage error (exit 2)', async () => {
    const run = await refresh(['--target-secret', 'a.b.c', '--source-secret', 'x.y']);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toContain('invalid resource reference name');
  });

  it('keeps running: renews before expiry and follows a rotated source', async () => {
    aws.reset();
    const timers = new FakeTimers(START);
    aws.setNow(() => timers.now());
    aws.setEcrPassword('AKIDCONTROLLER', CANARY_ECR);
    const kube = await startFakeKubeApi({ ...asRefresher(), objects: objects() });
    const redactor = new Redactor();
    const refresher = new Refresher({
      http: kubeHttp(loadKubeAccess({ kubeconfig: kube.kubeconfigPath })!),
      tokens: cloudTokenProvider(),
      timers,
      log: jsonLogger(new Writable({ write: (_c, _e, cb) => cb() }), redactor, timers),
      metrics: createMetrics({ processMetrics: false }),
      redactor,
      target: { namespace: 'apps', name: 'regcred' },
      sources: [{ namespace: 'creds', name: 'hub' }, { namespace: 'creds', name: 'ecr' }],
    });
    const running = refresher.run();
    try {
      const ecr = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
      await waitFor(() => dockerConfigOf(secretOf(kube, 'apps', 'regcred'))?.auths[ecr]?.password === CANARY_ECR);
      kube.put(dockerSource('creds', 'hub', 'https://index.docker.io/v1/', 'rotated-password'));
      await waitFor(() => dockerConfigOf(secretOf(kube, 'apps', 'regcred'))?.auths['https://index.docker.io/v1/']?.password === 'rotated-password');
      aws.setEcrPassword('AKIDCONTROLLER', 'renewed-password');
      timers.advance(6 * 3600_000 + 1000);
      await waitFor(() => dockerConfigOf(secretOf(kube, 'apps', 'regcred'))?.auths[ecr]?.password === 'renewed-password');
      expect(aws.calls.filter((call) => call.service === 'ecr')).toHaveLength(2);
    } finally {
      refresher.stop();
      await running;
      await kube.close();
    }
  });
});
