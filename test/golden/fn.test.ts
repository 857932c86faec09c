// Golden folders for the KRM function, run in-process through runCli:
//   resource-list.yaml   stdin
//   case.yaml            optional: description, args (default [fn]), modes ([input] default; [live] starts the fake
//                        API server with cluster.yaml and points KUBECONFIG at it), tty, verbatim, exitCode (default 0)
//   expected.yaml        expected stdout (absent: empty); expected-stderr.txt expected stderr (absent: empty)
// UPDATE_GOLDEN=1 rewrites the expected files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../../src/cli/main.js';
import { startFakeKubeApi } from '../fakes/kube-api-server.js';
import { captureStdio } from './capture.js';
import { canaries, expectedOf, loadCases, normalize, withEnv, type CaseConfig } from './harness.js';

interface FnCaseConfig extends CaseConfig {
  tty?: boolean;
  /** The input must be an exact prefix of the output: items pass through byte for byte. */
  verbatim?: boolean;
}

describe('fn golden folders', () => {
  for (const golden of loadCases('fn')) {
    const config = golden.config as FnCaseConfig;
    it(golden.name, async () => {
      const input = readFileSync(join(golden.dir, 'resource-list.yaml'), 'utf8');
      const kube = config.modes?.includes('live') ? await startFakeKubeApi({ objects: golden.clusterObjects }) : undefined;
      const undoEnv = withEnv({ ...(config.env ?? {}), ...(kube ? { KUBECONFIG: kube.kubeconfigPath } : {}) });
      try {
        const run = captureStdio({ stdin: input, cwd: golden.dir });
        if (config.tty) Object.assign(run.stdio.stdin, { isTTY: true });
        const code = await runCli(config.args ?? ['fn'], run.stdio, 'imps-krm');
        const stdout = normalize(run.stdout());
        const stderr = normalize(run.stderr());

        expect(stderr).toBe(expectedOf(golden.dir, 'expected-stderr.txt', stderr));
        expect(stdout).toBe(expectedOf(golden.dir, 'expected.yaml', stdout));
        expect(code).toBe(config.exitCode ?? 0);
        if (code === 2) expect(stdout).toBe('');
        if (config.verbatim) expect(stdout.startsWith(input)).toBe(true);

        const secrets = canaries(golden.dir);
        for (const canary of secrets) expect(stderr).not.toContain(canary);
        if (stdout !== '') {
          const list = parse(stdout) as { kind: string; results?: unknown[]; items?: Array<{ kind?: string }> };
          expect(list.kind).toBe('ResourceList');
          for (const canary of secrets) expect(JSON.stringify(list.results ?? [])).not.toContain(canary);
          // On failure nothing is added: the items are the input's.
          if (code === 1) expect(list.items).toEqual((parse(input) as { items?: unknown[] }).items ?? []);
        }
      } finally {
        undoEnv();
        await kube?.close();
      }
    });
  }
});
