// The source Secret of IMPS's refresher README has no `type` (so Opaque): the built `refresh` says which type to set,
// and that a Secret's type cannot be changed in place, in one JSON log line.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BUILT_CLI, run } from '../e2e/cli-on-path.js';
import { startFakeKubeApi, type FakeKubeApi } from '../fakes/kube-api-server.js';
import { guardedEnv } from '../guard/child-env.js';
import { b64, ns } from '../controller/harness.js';

let kube: FakeKubeApi;
beforeAll(async () => {
  const readme = { accessKeyID: 'AKIDEXAMPLE', secretKey: 'CANARY-readme-secret-key', region: 'us-east-1', accountID: '123456789' };
  kube = await startFakeKubeApi({
    objects: [
      ns('default'),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'ecr-credentials-1', namespace: 'default' }, data: Object.fromEntries(Object.entries(readme).map(([key, value]) => [key, b64(value)])) },
    ],
  });
});
afterAll(() => kube.close());

it('refresh --once with the IMPS README source Secret: exit 1, the type to set, and delete/re-create (dist/cli.js)', async () => {
  const args = ['refresh', '--once', '--kubeconfig', kube.kubeconfigPath, '--metrics-addr', '', '--target-secret', 'default.ecr-image-pull-secrets', '--source-secret', 'default.ecr-credentials-1'];
  const ran = await run(process.execPath, [BUILT_CLI, ...args], { cwd: process.cwd(), env: guardedEnv({ ...process.env, AWS_EC2_METADATA_DISABLED: 'true' }) });
  expect(ran.code).toBe(1);
  expect(ran.stdout).toBe('');
  const lines = ran.stderr.trim().split('\n').map((line) => JSON.parse(line) as { level: string; msg: string; error?: string });
  expect(lines).toEqual([
    expect.objectContaining({
      level: 'error',
      msg: 'refresh failed',
      error: expect.stringContaining(
        "unknown secret type \"Opaque\": its keys are those of a banzaicloud.io/aws-ecr-login-config source: set `type: banzaicloud.io/aws-ecr-login-config` (a Secret's type cannot be changed in place: delete the Secret and create it again with the type)",
      ) as unknown,
    }),
  ]);
  expect(ran.stderr).not.toContain('CANARY');
  expect(kube.get('v1', 'Secret', 'ecr-image-pull-secrets', 'default')).toBeUndefined();
});
