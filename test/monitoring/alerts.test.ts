// The alerts of deploy/monitoring through the real promtool: `promtool check rules` on the rule groups of the
// shipped PrometheusRule, `promtool test rules` on the unit tests beside this file, and, so that every alert is
// known to be tested, one deliberate bug per alert that the unit tests must catch.
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/controller/runtime/metrics.js';
import { findTool, MISSING, shippedRuleGroups, writeRules, type RuleGroups } from './prometheus-tools.js';

const promtool = findTool('promtool');
if (!promtool) console.warn(MISSING('promtool'));

let dir: string;
let groups: RuleGroups;
let unitTests: string[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imps-krm-promtool-'));
  groups = await shippedRuleGroups();
  unitTests = (await readdir(import.meta.dirname)).filter((name) => name.endsWith('-alerts.yaml')).sort();
  // The unit tests name `rules.yaml`, relative to themselves: copy them next to the extracted rules.
  for (const name of unitTests) await copyFile(join(import.meta.dirname, name), join(dir, name));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const alerts = (): string[] => groups.groups.flatMap((group) => group.rules.flatMap((rule) => (rule.alert ? [rule.alert] : [])));

function promtoolRun(args: string[]): { code: number | null; output: string } {
  const result = spawnSync(promtool!.path, args, { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('deploy/monitoring alerts', () => {
  it('ship the alerts docs/controller.md describes, on metrics the controller exports', async () => {
    expect(alerts()).toEqual(['ImpsKrmTokenRenewalOverdue', 'ImpsKrmTokenExpiresBeforeRenewal', 'ImpsKrmReconcileFailing', 'ImpsKrmNoLeader', 'ImpsKrmSecretsRefused']);
    // A metric renamed in src/controller/runtime/metrics.ts would leave an alert that never fires.
    const exported = new Set((await createMetrics({ processMetrics: false }).registry.getMetricsAsJSON()).map((metric) => metric.name));
    const used = new Set(groups.groups.flatMap((group) => group.rules.flatMap((rule) => rule.expr.match(/\bimps_krm_[a-z_]+/g) ?? [])));
    expect([...used].sort()).toEqual([
      'imps_krm_failing_image_pull_secrets',
      'imps_krm_leader',
      'imps_krm_refused_secrets',
      'imps_krm_token_expiry_timestamp_seconds',
      'imps_krm_token_renewal_timestamp_seconds',
    ]);
    for (const name of used) expect(exported, name).toContain(name);
    for (const rule of groups.groups.flatMap((group) => group.rules)) {
      expect(rule.labels?.['severity'], rule.alert).toMatch(/^(warning|critical)$/);
      expect(Object.keys(rule.annotations ?? {}).sort(), rule.alert).toEqual(['description', 'summary']);
    }
  });

  it.skipIf(!promtool)(`promtool check rules accepts the rule groups (${promtool?.version ?? MISSING('promtool')})`, async () => {
    await writeRules(dir, groups);
    const result = promtoolRun(['check', 'rules', 'rules.yaml']);
    expect(result.output).toContain(`SUCCESS: ${alerts().length} rules found`);
    expect(result.code).toBe(0);
  });

  it.skipIf(!promtool)('promtool test rules passes every unit test in test/monitoring/*-alerts.yaml', async () => {
    expect(unitTests).toEqual(['leader-alerts.yaml', 'reconcile-alerts.yaml', 'refused-alerts.yaml', 'token-alerts.yaml']);
    await writeRules(dir, groups);
    const result = promtoolRun(['test', 'rules', ...unitTests]);
    expect(result.output.match(/SUCCESS/g), result.output).toHaveLength(unitTests.length);
    expect(result.code, result.output).toBe(0);
  });

  // Plausible bugs, one per alert: a unit test must fail for each, or that alert is not really tested.
  const bugs: Array<[alert: string, from: string, to: string]> = [
    ['ImpsKrmTokenRenewalOverdue', '> 600', '> 6000'],
    ['ImpsKrmTokenExpiresBeforeRenewal', ' and (time() - imps_krm_token_renewal_timestamp_seconds > 0)', ''],
    ['ImpsKrmReconcileFailing', '> 0', '> 1'],
    ['ImpsKrmNoLeader', ' or absent(imps_krm_leader)', ''],
    ['ImpsKrmSecretsRefused', 'sum by (namespace, reason)', 'sum by (namespace)'],
  ];
  it.skipIf(!promtool).each(bugs)('promtool test rules fails when %s is broken (%j -> %j)', async (alert, from, to) => {
    const broken = structuredClone(groups);
    const rule = broken.groups.flatMap((group) => group.rules).find((candidate) => candidate.alert === alert)!;
    expect(rule.expr).toContain(from);
    rule.expr = rule.expr.replace(from, to);
    await writeRules(dir, broken);
    const result = promtoolRun(['test', 'rules', ...unitTests]);
    expect(result.code, result.output).toBe(1);
    expect(result.output).toContain(`alertname: ${alert}`);
  });
});
