import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests must never use the developer's credentials or reach real endpoints:
// the loopback-only guard (setupFiles) refuses non-loopback connections, and
// these env defaults keep SDKs from even trying.
const NOWHERE = join(tmpdir(), 'imps-krm-tests-no-such-dir');

// Unset rather than set-to-empty: vitest's `env` can only assign strings, and
// several SDKs treat an empty AWS_PROFILE or KUBERNETES_SERVICE_HOST as set.
// Deleting here (the main process) keeps them out of the forked workers too.
for (const name of [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_ECR',
  'AWS_ENDPOINT_URL_STS',
  // client-node switches to in-cluster config when these are set.
  'KUBERNETES_SERVICE_HOST',
  'KUBERNETES_SERVICE_PORT',
  // A proxy would route even loopback fakes elsewhere.
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'ALL_PROXY',
  'http_proxy',
  'https_proxy',
  'all_proxy',
]) {
  delete process.env[name];
}

export default defineConfig({
  test: {
    setupFiles: ['test/guard/loopback-only.mjs'],
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 20_000,
    pool: 'forks',
    env: {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(NOWHERE, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(NOWHERE, 'aws-credentials'),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      KUBECONFIG: join(NOWHERE, 'kubeconfig'),
      // The built CLI's code cache (src/cli/launcher/): not in the developer's home. A directory another user made
      // first is refused by the launcher, which then runs without a cache.
      XDG_CACHE_HOME: join(tmpdir(), `imps-krm-tests-cache-${process.getuid?.() ?? 'user'}`),
      NO_PROXY: '127.0.0.1,localhost,::1',
      no_proxy: '127.0.0.1,localhost,::1',
    },
  },
});
