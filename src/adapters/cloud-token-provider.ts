import type { TokenProvider } from '../ports/tokens.js';

/** The operator's settings a provider reads: the faces pass `process.env`, tests pass what they mean. */
export type ProviderEnv = Readonly<Record<string, string | undefined>>;

/**
 * Dispatches token requests to the cloud SDK that serves them. Each SDK is imported on first use: a render with
 * only docker-config sources never loads one (cold start matters, kustomize and Argo CD start a process per render).
 * Our own settings (ACR allow-lists, air-gapped endpoints) and the AWS endpoint overrides are read from `env`; what
 * the SDKs read on their own (credential chains, metadata servers) still comes from the process environment.
 */
export function cloudTokenProvider(env: ProviderEnv = process.env): TokenProvider {
  return {
    async fetchToken(request) {
      switch (request.provider) {
        case 'ecr': {
          quietAwsSdk();
          const { fetchEcrToken } = await import('./aws/ecr-token-provider.js');
          return fetchEcrToken(request, env);
        }
        case 'ecr-public': {
          quietAwsSdk();
          const { fetchEcrPublicToken } = await import('./aws/ecr-public-token-provider.js');
          return fetchEcrPublicToken(request, env);
        }
        case 'acr': {
          const { acrSettingsFromEnv, fetchAcrToken } = await import('./azure/acr-token-provider.js');
          return fetchAcrToken(request, acrSettingsFromEnv(env));
        }
        case 'gar': {
          const { fetchGarToken } = await import('./google/gar-token-provider.js');
          return fetchGarToken(request);
        }
      }
    },
  };
}

/**
 * The SDK warns on every process start under Node 20 that releases after January 2027 need Node 22; in a
 * render that lands in Argo CD's UI as noise. Our versions are pinned, and the README recommends Node 22.
 */
function quietAwsSdk(): void {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
}
