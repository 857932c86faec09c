import { afterEach, describe, expect, it } from 'vitest';
import { withEnv } from '../golden/harness.js';
import { CANARY_ECR, CANARY_SECRET_KEY, dockerConfigOf, imps, ns, secretOf, startRig, statusOf, waitFor, type Rig } from './harness.js';

// A CR with only inline sources has no `credentials`: the controller must neither watch a source Secret for it nor
// trip over the missing list, and it mints with its own identity (here the AWS environment of the process).
const ECR_HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
let rig: Rig | undefined;
let restoreEnv: (() => void) | undefined;
afterEach(async () => {
  await rig?.close();
  restoreEnv?.();
  rig = undefined;
  restoreEnv = undefined;
});

describe('controller with inline sources', () => {
  it('gives a CR with only inline sources its Secret, reports inline[<index>] and exports the token expiry', async () => {
    restoreEnv = withEnv({ AWS_ACCESS_KEY_ID: 'AKIDCONTROLLER', AWS_SECRET_ACCESS_KEY: CANARY_SECRET_KEY, AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined });
    rig = await startRig([
      ns('default'),
      ns('team-a'),
      imps('inline-only', {
        registry: { inline: [{ type: 'banzaicloud.io/aws-ecr-login-config', config: { region: 'us-east-1', accountID: '123456789012' } }] },
        target: { secret: { name: 'regcred' }, namespaces: { names: ['team-a'] } },
      }),
    ]);
    const { kube } = rig;
    await waitFor(() => secretOf(kube, 'team-a', 'regcred'));
    expect(dockerConfigOf(secretOf(kube, 'team-a', 'regcred'))?.auths[ECR_HOST]?.password).toBe(CANARY_ECR);
    const status = await waitFor(() => statusOf(kube, 'inline-only'));
    expect(status).toMatchObject({ status: 'Ready', managedNamespaces: ['team-a'], sourceSecretStatus: { 'inline[0]': 'Ok' } });
    // No Secret is read or watched for an inline source.
    expect(kube.requests.some((request) => /\/namespaces\/[^/]+\/secrets$/.test(request.path) && request.method === 'GET')).toBe(false);
    // The gauge is set after the Secret and status writes: poll rather than race them.
    const expiryMetric = (): Promise<string> => rig!.metrics.registry.getSingleMetricAsString('imps_krm_token_expiry_timestamp_seconds');
    await expect.poll(expiryMetric, { timeout: 10_000 }).toContain('source="inline-only.inline[0]"');
    expect(await rig.metrics.registry.getSingleMetricAsString('imps_krm_token_renewal_timestamp_seconds')).toContain('source="inline-only.inline[0]"');
    expect(rig.logs()).not.toContain(CANARY_SECRET_KEY);

    // Deleted: its Secret goes, and so does the inline series (nothing else would remove it; an alert would fire).
    kube.remove('images.banzaicloud.io/v1alpha1', 'ImagePullSecret', 'inline-only');
    await waitFor(() => secretOf(kube, 'team-a', 'regcred') === undefined);
    await rig.controller.idle();
    await expect.poll(expiryMetric, { timeout: 10_000 }).not.toContain('inline-only.inline[0]');
    expect(await rig.metrics.registry.getSingleMetricAsString('imps_krm_token_renewal_timestamp_seconds')).not.toContain('inline-only.inline[0]');
  });

  it('reports a credential written inline as an invalid spec, by field path, and writes nothing', async () => {
    rig = await startRig([
      ns('default'),
      ns('team-a'),
      imps('keys-inline', {
        registry: { inline: [{ type: 'imps-krm.io/ecr-public-login-config', config: { accessKeyID: 'AKIDX', secretKey: 'CANARY-inline-key-0009' } }] },
        target: { secret: { name: 'regcred' }, namespaces: { names: ['team-a'] } },
      }),
    ]);
    const { kube } = rig;
    const status = await waitFor(() => statusOf(kube, 'keys-inline'));
    expect(status).toMatchObject({ status: 'Failed' });
    expect(JSON.stringify(status)).toContain('spec.registry.inline[0].config.secretKey: not allowed inline');
    expect(JSON.stringify(status)).not.toContain('CANARY-inline-key-0009');
    expect(secretOf(kube, 'team-a', 'regcred')).toBeUndefined();
    expect(rig.aws.calls).toHaveLength(0);
  });
});
