// Golden folders for `imps-krm explain` (test/fixtures/explain/<case>/), run through the BUILT CLI (dist/cli.js) in a
// child process, in input mode (the manifests) and live mode (the fake API server holding cluster.yaml):
//   expected.txt          the table on stdout (the same in every mode)
//   expected.json         `-o json` on stdout, with `mode` and `cluster` written as MODE and CLUSTER (checked apart)
//   expected-stderr.txt   stderr of both runs (absent: empty)
// case.yaml as in harness.ts: modes, args, exitCode. UPDATE_GOLDEN=1 rewrites the expected files.
import { afterAll, describe, it } from 'vitest';
import { validateExplanation } from '../../src/generated/validators.js';
import { run } from '../e2e/cli-on-path.js';
import { startFakeKubeApi, type FakeKubeApi } from '../fakes/kube-api-server.js';
import { guardedEnv } from '../guard/child-env.js';
import { requireBuiltCli } from '../support/run-built-cli.js';
import { canaries, expectedOf, loadCases, normalize } from './harness.js';

const env = guardedEnv({ ...process.env, IMPS_KRM_DEBUG: '1' });

const BUILT_CLI = requireBuiltCli();

/** Fake API servers of the live cases, started on first use, stopped after the file. */
const servers: Array<Promise<FakeKubeApi>> = [];
afterAll(async () => {
  await Promise.all(servers.map(async (server) => (await server).close()));
});

// Side by side: each case only reads its folder and its own fake API server.
describe.concurrent('explain golden folders (built CLI)', () => {
  for (const golden of loadCases('explain')) {
    for (const mode of golden.config.modes ?? ['input', 'live']) {
      let kube: Promise<FakeKubeApi> | undefined;
      const server = (): Promise<FakeKubeApi> => {
        if (!kube) servers.push((kube = startFakeKubeApi({ objects: golden.clusterObjects })));
        return kube;
      };
      const explain = async (extra: string[]): Promise<{ code: number; stdout: string; stderr: string; cluster: string }> => {
        const args = [BUILT_CLI, 'explain', '-f', 'input', '--cluster', mode, ...(golden.config.args ?? []), ...extra];
        if (mode === 'input' && golden.hasCluster) args.push('-f', 'cluster.yaml');
        const live = mode === 'live' ? await server() : undefined;
        if (live) args.push('--kubeconfig', live.kubeconfigPath);
        const result = await run(process.execPath, args, { cwd: golden.dir, env });
        return { code: result.code, stdout: normalize(result.stdout), stderr: normalize(result.stderr), cluster: live ? normalize(`cluster ${live.url}`) : 'input manifests' };
      };
      it(`${golden.name} (${mode}) table`, async ({ expect }) => {
        const { code, stdout, stderr } = await explain([]);
        expect(stderr).toBe(expectedOf(golden.dir, 'expected-stderr.txt', stderr));
        expect(stdout).toBe(expectedOf(golden.dir, 'expected.txt', stdout));
        expect(code).toBe(golden.config.exitCode ?? 0);
        for (const canary of canaries(golden.dir)) expect(stdout + stderr).not.toContain(canary);
      });

      it(`${golden.name} (${mode}) json`, async ({ expect }) => {
        const { code, stdout, stderr, cluster: expectedCluster } = await explain(['-o', 'json']);
        expect(stderr).toBe(expectedOf(golden.dir, 'expected-stderr.txt', stderr));
        expect(code).toBe(golden.config.exitCode ?? 0);
        for (const canary of canaries(golden.dir)) expect(stdout + stderr).not.toContain(canary);
        if (code !== 0) {
          expect(stdout).toBe('');
          return;
        }
        const document: unknown = JSON.parse(stdout);
        expect(validateExplanation(document), JSON.stringify(validateExplanation.errors)).toBe(true);
        const { apiVersion, kind, mode: actualMode, cluster, imagePullSecrets } = document as Record<string, unknown>;
        expect(actualMode).toBe(mode);
        expect(cluster).toBe(expectedCluster);
        const comparable = `${JSON.stringify({ apiVersion, kind, mode: 'MODE', cluster: 'CLUSTER', imagePullSecrets }, null, 2)}\n`;
        expect(comparable).toBe(expectedOf(golden.dir, 'expected.json', comparable));
      });
    }
  }
});
