import { describe, it } from 'vitest';
import { startFakeAws } from '../fakes/aws-server.js';
import { startFakeAzure } from '../fakes/azure-server.js';
import { startFakeGoogle } from '../fakes/google-server.js';
import { runBuilt } from '../providers/child.js';
import { cloudTls } from '../providers/cloud-tls.js';
import { GOOGLE_ISOLATION } from '../providers/google-env.js';
import { canaries, configureAws, expectedOf, loadCases } from './harness.js';
import { parse } from 'yaml';
import { appDirectoryOf, configureAzure, hostRedirectEnv, configureGoogle, materialize, normalizeProviderOutput, resourceListOf, type ProviderCaseConfig } from './providers-harness.js';

/** Each case has its own cloud fakes (their knobs and call counts are the case's), so cases run side by side. */
async function startFakes() {
  const [aws, azure, google] = await Promise.all([startFakeAws(), startFakeAzure(cloudTls()), startFakeGoogle(cloudTls())]);
  return { aws, azure, google, close: () => Promise.all([aws.close(), azure.close(), google.close()]) };
}

/** What argocd-cmp-server and the sidecar's operator give `cmp generate` here (see argocd-cmp/plugin.yaml). */
const CMP_ENV = { ARGOCD_ENV_CLUSTER: 'input', ARGOCD_APP_PROJECT_NAME: 'default', IMPS_KRM_AMBIENT_IDENTITY_PROJECTS: 'default' };

describe.concurrent('render golden folders: cloud providers (the built CLI in a child process)', () => {
  for (const golden of loadCases('render-providers')) {
    const config = golden.config as ProviderCaseConfig;
    for (const face of config.faces ?? ['render', 'fn']) {
      it(`${golden.name} (${face})`, async ({ expect }) => {
        const { aws, azure, google, close } = await startFakes();
        try {
          configureAws(aws, config);
          configureAzure(azure, config);
          configureGoogle(google, config);
          const work = materialize(golden.dir, config, { azure, google });
          const args = face === 'fn' ? ['fn'] : face === 'cmp' ? ['cmp', 'generate'] : ['render', '-f', 'input', '--cluster', 'input', ...(config.args ?? [])];
          if (face === 'render' && golden.hasCluster) args.push('-f', 'cluster.yaml');
          const env: Record<string, string | undefined> = {
            ...aws.env(),
            ...GOOGLE_ISOLATION,
            AZURE_AUTHORITY_HOST: azure.authorityHost,
            AZURE_POD_IDENTITY_AUTHORITY_HOST: azure.httpUrl,
            NODE_EXTRA_CA_CERTS: cloudTls().caFile,
            IMPS_KRM_INSECURE_REGISTRY_HOSTS: '127.0.0.1',
            GCE_METADATA_HOST: google.metadataHost,
            ...hostRedirectEnv(config, azure),
            ...(face === 'cmp' ? CMP_ENV : {}),
            ...Object.fromEntries(Object.entries(config.env ?? {}).map(([key, value]) => [key, work.fill(value)])),
          };
          const startedAt = Date.now();
          const input = face === 'fn' ? resourceListOf(work.dir) : undefined;
          const cwd = face === 'cmp' ? appDirectoryOf(work.dir) : work.dir;
          // The built CLI, what users run (issue 9: the bundle failed where the sources under tsx did not).
          const run = await runBuilt(args, env, { cwd, ...(input !== undefined ? { input } : {}) });
          const endedAt = Date.now();
          const stdout = normalizeProviderOutput(run.stdout, { startedAt, endedAt });
          const stderr = normalizeProviderOutput(run.stderr, { startedAt, endedAt });

          const suffix = face === 'render' ? '' : `-${face}`;
          expect(stderr).toBe(expectedOf(golden.dir, `expected${suffix}-stderr.txt`, stderr));
          expect(stdout).toBe(expectedOf(golden.dir, `expected${suffix}.yaml`, stdout));
          for (const canary of canaries(golden.dir)) expect(stderr).not.toContain(canary);
          if (config.azureCalls !== undefined) expect(azure.calls).toHaveLength(config.azureCalls);
          if (config.awsCalls !== undefined) expect(aws.calls).toHaveLength(config.awsCalls);
          if (face === 'render' || face === 'cmp') {
            expect(run.code).toBe(config.exitCode ?? (stdout === '' ? 1 : 0));
            if (run.code !== 0) expect(stdout).toBe('');
          } else {
            // A failing source fails the function (kustomize and kpt ignore error results with exit 0).
            expect(run.code).toBe(/^error: /m.test(stderr) ? 1 : 0);
            // Items pass through (source Secrets included); the results must not carry a credential.
            const results = JSON.stringify((parse(stdout) as { results?: unknown } | null)?.results ?? []);
            for (const canary of canaries(golden.dir)) expect(results).not.toContain(canary);
          }
        } finally {
          await close();
        }
      });
    }
  }
});
