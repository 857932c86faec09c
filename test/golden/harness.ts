// One harness for the golden folders under test/fixtures/<face>/<case>/:
//   case.yaml            optional: description, modes ([input] by default; live and/or input), args, env, aws knobs,
//                        exitCode, awsCalls
//   input/               manifests given to the face
//   cluster.yaml         objects the fake API server holds in live mode; in input mode they are given as input too
//   expected.yaml        expected stdout (absent: stdout must be empty)
//   expected-stderr.txt  expected stderr (absent: stderr must be empty)
// UPDATE_GOLDEN=1 rewrites the expected files from what the face printed.
import { existsSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { FakeAws } from '../fakes/aws-server.js';
import type { KubeObject } from '../fakes/kube-api-server.js';

export type ClusterMode = 'live' | 'input';

export interface CaseConfig {
  description?: string;
  modes?: ClusterMode[];
  args?: string[];
  env?: Record<string, string>;
  exitCode?: number;
  /** How many calls the fake AWS endpoint must have seen (e.g. 0: nothing was minted). */
  awsCalls?: number;
  aws?: {
    rejectAccessKeys?: string[];
    allowRoles?: Array<{ roleArn: string; fromAccessKeyId?: string }>;
    failEcr?: { status: number; code: string; message: string; times?: number };
    failSts?: { status: number; code: string; message: string; times?: number };
  };
}

export interface GoldenCase {
  name: string;
  dir: string;
  config: CaseConfig;
  clusterObjects: KubeObject[];
  hasCluster: boolean;
}

export const FIXED_NOW = new Date('2026-11-22T00:00:00Z');
export const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

export function loadCases(face: string): GoldenCase[] {
  const root = join(import.meta.dirname, '..', 'fixtures', face);
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const dir = join(root, name);
      const configPath = join(dir, 'case.yaml');
      const config = (existsSync(configPath) ? parse(readFileSync(configPath, 'utf8')) : {}) as CaseConfig;
      const clusterPath = join(dir, 'cluster.yaml');
      const hasCluster = existsSync(clusterPath);
      const clusterObjects = hasCluster
        ? parseAllDocuments(readFileSync(clusterPath, 'utf8')).map((doc) => doc.toJS() as KubeObject).filter(Boolean)
        : [];
      return { name, dir, config, clusterObjects, hasCluster };
    });
}

export function configureAws(aws: FakeAws, config: CaseConfig): void {
  aws.reset();
  aws.setNow(() => FIXED_NOW);
  for (const key of config.aws?.rejectAccessKeys ?? []) aws.rejectAccessKey(key);
  for (const role of config.aws?.allowRoles ?? []) aws.allowRole(role.roleArn, role.fromAccessKeyId ? { fromAccessKeyId: role.fromAccessKeyId } : undefined);
  const { failEcr, failSts } = config.aws ?? {};
  if (failEcr) aws.failNext('ecr', failEcr, failEcr.times ?? 3);
  if (failSts) aws.failNext('sts', failSts, failSts.times ?? 3);
}

// Kept for the importers that know it from here; it lives with the other shared test support.
export { withEnv } from '../support/env.js';

/** Ports and temp paths change between runs; nothing else may. */
export function normalize(text: string): string {
  return text.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT');
}

/** Compares with (or with UPDATE_GOLDEN=1 rewrites) an expected file; absent file = expected empty. */
export function expectedOf(dir: string, file: string, actual: string): string {
  const path = join(dir, file);
  if (UPDATE) {
    if (actual === '') rmSync(path, { force: true });
    else writeFileSync(path, actual);
    return actual;
  }
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** Every `CANARY…` string in a case's files is a credential: none may reach stderr. */
export function canaries(dir: string): string[] {
  const found = new Set<string>();
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (!entry.name.startsWith('expected')) for (const match of readFileSync(full, 'utf8').matchAll(/CANARY[\w-]*/g)) found.add(match[0]);
    }
  };
  walk(dir);
  return [...found];
}
