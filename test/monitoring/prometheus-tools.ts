// Finds Debian's `prometheus` package tools (promtool, prometheus) on PATH, and extracts the rule groups that
// deploy/monitoring ships in a PrometheusRule into a plain rules file, which is what Prometheus and promtool read.
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const RULE_FILE = join(REPO, 'deploy', 'monitoring', 'prometheus-rule.yaml');

export interface Tool {
  readonly path: string;
  readonly version: string;
}

/** `name --version` from PATH; undefined when the tool is not installed. */
export function findTool(name: 'promtool' | 'prometheus'): Tool | undefined {
  const result = spawnSync(name, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (result.error || result.status !== 0) return undefined;
  const version = `${result.stdout}${result.stderr}`.split('\n')[0]?.trim() ?? '';
  const which = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return { path: which.stdout.trim() || name, version };
}

export const MISSING = (name: string): string =>
  `${name} is not installed: skipped. Install Debian's prometheus package (apt-get install prometheus), as .ci/run does.`;

export interface RuleGroups {
  groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }> }>;
}

/** The PrometheusRule's `spec` (rule groups, exactly what the Prometheus Operator hands to Prometheus). */
export async function shippedRuleGroups(): Promise<RuleGroups> {
  const document = parse(await readFile(RULE_FILE, 'utf8')) as { kind?: string; spec?: RuleGroups };
  if (document.kind !== 'PrometheusRule' || !document.spec) throw new Error(`${RULE_FILE}: not a PrometheusRule with a spec`);
  return document.spec;
}

export async function writeRules(dir: string, groups: RuleGroups): Promise<string> {
  const path = join(dir, 'rules.yaml');
  await writeFile(path, stringify(groups));
  return path;
}

/** A loopback port nobody listens on right now (Prometheus cannot be told to pick one itself). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}
