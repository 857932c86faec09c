// Golden folders for `render` (test/fixtures/render/<case>/, layout in harness.ts), run through the BUILT CLI in a
// child process: what users run. Each case has its own fake AWS (and fake API server in live mode), so cases run side
// by side.
import { describe, it } from 'vitest';
import { startFakeAws } from '../fakes/aws-server.js';
import { startFakeKubeApi, type FakeKubeApi } from '../fakes/kube-api-server.js';
import { requireBuiltCli, runBuiltCli } from '../support/run-built-cli.js';
import { canaries, configureAws, expectedOf, loadCases, normalize } from './harness.js';

requireBuiltCli();

describe.concurrent('render golden folders (built CLI)', () => {
  for (const golden of loadCases('render')) {
    for (const mode of golden.config.modes ?? ['input']) {
      it(`${golden.name} (${mode})`, async ({ expect }) => {
        const aws = await startFakeAws();
        let kube: FakeKubeApi | undefined;
        try {
          configureAws(aws, golden.config);
          kube = mode === 'live' ? await startFakeKubeApi({ objects: golden.clusterObjects }) : undefined;
          const args = ['render', '-f', 'input', '--cluster', mode, ...(golden.config.args ?? [])];
          if (mode === 'input' && golden.hasCluster) args.push('-f', 'cluster.yaml');
          if (kube) args.push('--kubeconfig', kube.kubeconfigPath);
          // The case's variables reach the SDKs' own credential chains too (ambient credentials).
          const run = await runBuiltCli(args, { cwd: golden.dir, env: { ...aws.env(), ...golden.config.env } });
          const stdout = normalize(run.stdout);
          const stderr = normalize(run.stderr);

          expect(stderr).toBe(expectedOf(golden.dir, 'expected-stderr.txt', stderr));
          expect(stdout).toBe(expectedOf(golden.dir, 'expected.yaml', stdout));
          expect(run.code).toBe(golden.config.exitCode ?? (stdout === '' ? 1 : 0));
          for (const canary of canaries(golden.dir)) expect(stderr).not.toContain(canary);
          if (golden.config.awsCalls !== undefined) expect(aws.calls).toHaveLength(golden.config.awsCalls);
          if (run.code !== 0) expect(stdout).toBe('');
        } finally {
          await Promise.all([aws.close(), kube?.close()]);
        }
      });
    }
  }
});
