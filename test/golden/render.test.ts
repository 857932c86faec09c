import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { startFakeKubeApi } from '../fakes/kube-api-server.js';
import { envWith, withEnv } from '../support/env.js';
import { useFakeAws } from '../support/fake-aws.js';
import { captureStdio } from './capture.js';
import { canaries, configureAws, expectedOf, loadCases, normalize } from './harness.js';

// The command gets the AWS endpoints as input (its environment). A case's own variables are also set in process.env:
// some are read by the AWS SDK itself (the default credential chain: ambient-credentials).
const fakeAws = useFakeAws();

describe('render golden folders', () => {
  for (const golden of loadCases('render')) {
    for (const mode of golden.config.modes ?? ['input']) {
      it(`${golden.name} (${mode})`, async () => {
        const aws = fakeAws();
        configureAws(aws, golden.config);
        const undoEnv = withEnv(golden.config.env ?? {});
        let kube: Awaited<ReturnType<typeof startFakeKubeApi>> | undefined;
        try {
          // Inside the try: a cluster.yaml the fake refuses must not leave this case's environment behind.
          kube = mode === 'live' ? await startFakeKubeApi({ objects: golden.clusterObjects }) : undefined;
          const args = ['render', '-f', 'input', '--cluster', mode, ...(golden.config.args ?? [])];
          if (mode === 'input' && golden.hasCluster) args.push('-f', 'cluster.yaml');
          if (kube) args.push('--kubeconfig', kube.kubeconfigPath);
          const run = captureStdio({ cwd: golden.dir, env: envWith(process.env, aws.env()) });
          const code = await runCli(args, run.stdio);
          const stdout = normalize(run.stdout());
          const stderr = normalize(run.stderr());

          expect(stderr).toBe(expectedOf(golden.dir, 'expected-stderr.txt', stderr));
          expect(stdout).toBe(expectedOf(golden.dir, 'expected.yaml', stdout));
          expect(code).toBe(golden.config.exitCode ?? (stdout === '' ? 1 : 0));
          for (const canary of canaries(golden.dir)) expect(stderr).not.toContain(canary);
          if (golden.config.awsCalls !== undefined) expect(aws.calls).toHaveLength(golden.config.awsCalls);
          if (code !== 0) expect(stdout).toBe('');
        } finally {
          undoEnv();
          await kube?.close();
        }
      });
    }
  }
});

