// Golden folders for the KRM function, run through the BUILT CLI in a child process, as kustomize and kpt start it:
//   resource-list.yaml   stdin
//   case.yaml            optional: description, args (default [fn]; [] is how kustomize's exec functions start it),
//                        modes ([input] default; [live] starts the fake API server with cluster.yaml and points
//                        KUBECONFIG at it), tty (stdin a terminal), verbatim, exitCode (default 0)
//   expected.yaml        expected stdout (absent: empty); expected-stderr.txt expected stderr (absent: empty)
// UPDATE_GOLDEN=1 rewrites the expected files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { parse } from 'yaml';
import { startFakeKubeApi } from '../fakes/kube-api-server.js';
import { requireBuiltCli, runBuiltCli } from '../support/run-built-cli.js';
import { canaries, expectedOf, loadCases, normalize, type CaseConfig } from './harness.js';

interface FnCaseConfig extends CaseConfig {
  tty?: boolean;
  /** The input must be an exact prefix of the output: items pass through byte for byte. */
  verbatim?: boolean;
}

requireBuiltCli();

describe.concurrent('fn golden folders (built CLI)', () => {
  for (const golden of loadCases('fn')) {
    const config = golden.config as FnCaseConfig;
    it(golden.name, async ({ expect }) => {
      const input = readFileSync(join(golden.dir, 'resource-list.yaml'), 'utf8');
      const kube = config.modes?.includes('live') ? await startFakeKubeApi({ objects: golden.clusterObjects }) : undefined;
      try {
        const env = { ...config.env, ...(kube ? { KUBECONFIG: kube.kubeconfigPath } : {}) };
        const run = await runBuiltCli(config.args ?? ['fn'], { cwd: golden.dir, env, ...(config.tty ? { tty: true } : { stdin: input }) });
        const stdout = normalize(run.stdout);
        const stderr = normalize(run.stderr);

        expect(stderr).toBe(expectedOf(golden.dir, 'expected-stderr.txt', stderr));
        expect(stdout).toBe(expectedOf(golden.dir, 'expected.yaml', stdout));
        expect(run.code).toBe(config.exitCode ?? 0);
        if (run.code === 2) expect(stdout).toBe('');
        if (config.verbatim) expect(stdout.startsWith(input)).toBe(true);

        const secrets = canaries(golden.dir);
        for (const canary of secrets) expect(stderr).not.toContain(canary);
        if (stdout !== '') {
          const list = parse(stdout) as { kind: string; results?: unknown[]; items?: Array<{ kind?: string }> };
          expect(list.kind).toBe('ResourceList');
          for (const canary of secrets) expect(JSON.stringify(list.results ?? [])).not.toContain(canary);
          // On failure nothing is added: the items are the input's.
          if (run.code === 1) expect(list.items).toEqual((parse(input) as { items?: unknown[] }).items ?? []);
        }
      } finally {
        await kube?.close();
      }
    });
  }
});
