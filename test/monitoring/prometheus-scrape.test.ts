// A real Prometheus (Debian's package) scrapes the built controller's /metrics on loopback, with the shipped rules
// loaded: what the ServiceMonitor asks of a cluster's Prometheus, minus Kubernetes service discovery. Prometheus
// gets a static loopback target only (no service discovery, no Alertmanager, no remote write). Prometheus 2.x
// applies new targets on a 5-second tick, so the first scrape comes about 5 s after it starts.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeKubeApi, type FakeKubeApi } from '../fakes/kube-api-server.js';
import { guardedEnv } from '../guard/child-env.js';
import { dockerSource, imps, ns } from '../controller/harness.js';
import { findTool, freePort, MISSING, REPO, shippedRuleGroups, writeRules } from './prometheus-tools.js';
import { SECRET_REFUSAL_REASONS } from '../../src/core/secret-ownership.js';

const prometheus = findTool('prometheus');
if (!prometheus) console.warn(MISSING('prometheus'));
const CLI = join(REPO, 'dist', 'cli.js');

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** SIGTERM, then SIGKILL if it has not exited within 5 s: no process outlives the test. */
function stopper(child: ChildProcess): () => Promise<void> {
  const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };
}

function started(command: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  cleanups.push(stopper(child));
  return { child, output: () => output };
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** Polls `check` every 100 ms until it returns a value, or fails with `what` and the process output. */
async function until<T>(what: string, check: () => Promise<T | undefined>, output: () => string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a real Prometheus scraping the controller', () => {
  it.skipIf(!prometheus)(
    `sees the target up, the controller's metrics, and evaluates the shipped rules on them (${prometheus?.version ?? MISSING('prometheus')})`,
    async () => {
      if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first');
      const began = Date.now();
      const kube: FakeKubeApi = await startFakeKubeApi({
        objects: [
          ns('default'),
          ns('creds'),
          ns('app', { pull: 'yes' }),
          dockerSource('creds', 'hub', 'r.example', 'CANARY-scrape-password-0010'),
          imps('pull', { registry: { credentials: [{ namespace: 'creds', name: 'hub' }] }, target: { secret: { name: 'regcred' }, namespaces: { labels: [{ matchLabels: { pull: 'yes' } }] } } }),
        ],
      });
      cleanups.push(() => kube.close());
      const dir = await mkdtemp(join(tmpdir(), 'imps-krm-prometheus-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));

      const metricsPort = await freePort();
      const controller = started(
        process.execPath,
        [CLI, 'controller', '--kubeconfig', kube.kubeconfigPath, '--metrics-addr', `127.0.0.1:${metricsPort}`, '--health-addr', `127.0.0.1:${metricsPort}`, '--leader-elect', '--leader-election-namespace', 'default'],
        guardedEnv({ ...process.env, AWS_EC2_METADATA_DISABLED: 'true' }),
      );
      await until('controller /readyz', async () => ((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).ok ? true : undefined), controller.output);

      await writeRules(dir, await shippedRuleGroups());
      await writeFile(
        join(dir, 'prometheus.yml'),
        [
          'global: {scrape_interval: 1s, evaluation_interval: 1s}',
          'rule_files: [rules.yaml]',
          'scrape_configs:',
          '  - job_name: imps-krm-controller',
          `    static_configs: [{targets: ['127.0.0.1:${metricsPort}']}]`,
          '',
        ].join('\n'),
      );
      const webPort = await freePort();
      const server = started(
        prometheus!.path,
        [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${webPort}`, '--log.level=warn'],
        { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir },
      );
      const api = async <T>(path: string): Promise<T> => {
        const body = (await (await fetch(`http://127.0.0.1:${webPort}${path}`)).json()) as { status: string; data: T };
        if (body.status !== 'success') throw new Error(`${path}: ${body.status}`);
        return body.data;
      };
      const query = (promql: string): Promise<Sample[]> => api<{ result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(promql)}`).then((data) => data.result);
      const prometheusUp = Date.now();

      const up = await until(
        'up == 1 for the controller',
        async () => (await query('up')).find((sample) => sample.metric['job'] === 'imps-krm-controller' && sample.value[1] === '1'),
        server.output,
      );
      const scraped = Date.now();
      expect(up.metric['instance']).toBe(`127.0.0.1:${metricsPort}`);
      expect((await query('imps_krm_leader')).map((sample) => sample.value[1])).toEqual(['1']);
      // The reconcile of `pull` (it may still be running when /readyz answers): one success at least.
      const refreshes = await until('imps_krm_refresh_total', async () => {
        const samples = await query('imps_krm_refresh_total{result="success"}');
        return samples.length === 1 && Number(samples[0]!.value[1]) >= 1 ? samples : undefined;
      }, server.output);
      expect(refreshes[0]!.metric).toMatchObject({ job: 'imps-krm-controller', result: 'success' });
      // Every refusal reason from the start at 0, the counter and the gauge the alert reads.
      const zeros = SECRET_REFUSAL_REASONS.map((reason) => `${reason}=0`).sort();
      expect((await query('imps_krm_secrets_refused_total')).map((sample) => `${sample.metric['reason']}=${sample.value[1]}`).sort()).toEqual(zeros);
      expect((await query('imps_krm_refused_secrets')).map((sample) => `${sample.metric['reason']}=${sample.value[1]}`).sort()).toEqual(zeros);
      expect((await query('imps_krm_failing_image_pull_secrets')).map((sample) => sample.value[1])).toEqual(['0']);

      // The rules load and evaluate on real series: no leader alert once the leader is scraped.
      const rules = await until('rules evaluated after the scrape', async () => {
        const data = await api<{ groups: Array<{ rules: Array<{ name: string; health: string; state: string; lastError?: string }> }> }>('/api/v1/rules');
        const all = data.groups.flatMap((group) => group.rules);
        return all.length === 5 && all.every((rule) => rule.health === 'ok') && all.find((rule) => rule.name === 'ImpsKrmNoLeader')?.state === 'inactive' ? all : undefined;
      }, server.output);
      expect(rules.filter((rule) => rule.state !== 'inactive').map((rule) => rule.name)).toEqual([]);

      // Nothing off loopback: one static target, no Alertmanager.
      const targets = await api<{ activeTargets: Array<{ scrapeUrl: string }> }>('/api/v1/targets');
      expect(targets.activeTargets.map((target) => target.scrapeUrl)).toEqual([`http://127.0.0.1:${metricsPort}/metrics`]);
      expect(await api<{ activeAlertmanagers: unknown[] }>('/api/v1/alertmanagers')).toMatchObject({ activeAlertmanagers: [] });
      expect(server.output()).not.toMatch(/level=error/);
      expect(controller.output()).not.toContain('CANARY');
      console.info(`prometheus scrape test: controller ready ${prometheusUp - began} ms, first scrape seen ${scraped - prometheusUp} ms after Prometheus started`);
    },
    40_000,
  );
});
