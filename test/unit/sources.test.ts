import { describe, expect, it } from 'vitest';
import { parseSource } from '../../src/core/sources.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('parseSource', () => {
  it('reads a dockerconfigjson from data, preferring a decodable auth like the kubelet', () => {
    const config = { auths: { 'ghcr.io': { auth: b64('bot:s3cret'), username: 'ignored', password: 'ignored' } } };
    const parsed = parseSource({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify(config)) } });
    expect(parsed).toMatchObject({ ok: true, plan: { kind: 'static', credentials: [{ registry: 'ghcr.io', username: 'bot', password: 's3cret' }] } });
    expect(parsed.credentials).toContain('s3cret');
  });

  it('reads the legacy dockercfg format', () => {
    const parsed = parseSource({ type: 'kubernetes.io/dockercfg', stringData: { '.dockercfg': '{"quay.io":{"username":"u","password":"p"}}' } });
    expect(parsed).toMatchObject({ ok: true, plan: { credentials: [{ registry: 'quay.io', username: 'u', password: 'p' }] } });
  });

  it('turns an ECR login config into a token request for the account registry', () => {
    const parsed = parseSource({
      type: 'banzaicloud.io/aws-ecr-login-config',
      stringData: { accessKeyID: 'AKIA1', secretKey: 'sk', region: 'cn-north-1', accountID: '123456789', roleArn: 'arn:aws-cn:iam::1:role/r' },
    });
    expect(parsed).toMatchObject({
      ok: true,
      plan: {
        kind: 'token',
        registry: '123456789.dkr.ecr.cn-north-1.amazonaws.com.cn',
        request: { provider: 'ecr', region: 'cn-north-1', keys: { accessKeyId: 'AKIA1', secretAccessKey: 'sk' }, roleArn: 'arn:aws-cn:iam::1:role/r' },
      },
    });
  });

  it('uses the default credential chain when no keys are given', () => {
    const parsed = parseSource({ type: 'banzaicloud.io/aws-ecr-login-config', stringData: { region: 'eu-west-1', accountID: '1' } });
    expect(parsed).toMatchObject({ ok: true, plan: { request: { keys: undefined } } });
  });

  it.each([
    [{ type: 'Opaque', data: {} }, /unknown secret type "Opaque"/],
    [{ type: 'kubernetes.io/dockerconfigjson', data: {} }, /missing key \.dockerconfigjson/],
    [{ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{' } }, /not valid JSON/],
    [{ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{"auths":{"x":{"email":"e"}}}' } }, /needs `auth` or `username` and `password`/],
    [{ type: 'banzaicloud.io/aws-ecr-login-config', stringData: { region: 'eu-west-1' } }, /accountID: required/],
    [{ type: 'banzaicloud.io/aws-ecr-login-config', stringData: { region: 'eu-west-1', accountID: 123 } }, /stringData\["accountID"\]: must be a string/],
    [{ type: 'banzaicloud.io/aws-ecr-login-config', stringData: { region: 'eu-west-1', accountID: '1', accessKeyID: 'AKIA' } }, /secretKey: required when `accessKeyID` is set/],
    [{ type: 'banzaicloud.io/aws-ecr-login-config', data: { region: '***' } }, /not valid base64/],
  ])('rejects %j with a clear message', (secret, message) => {
    const parsed = parseSource(secret);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.errors.join('\n')).toMatch(message);
  });

  it('never puts a secret value into an error', () => {
    const parsed = parseSource({
      type: 'banzaicloud.io/aws-ecr-login-config',
      stringData: { secretKey: 'TOP-SECRET-VALUE', region: 'nowhere', accountID: 'abc' },
    });
    expect(parsed.ok).toBe(false);
    expect(JSON.stringify(parsed.ok ? {} : parsed.errors)).not.toContain('TOP-SECRET-VALUE');
  });
});
