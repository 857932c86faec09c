import type { TokenProvider } from '../ports/tokens.js';

/**
 * Dispatches token requests to the cloud SDK that serves them. Each SDK is imported on first use: a render with
 * only docker-config sources never loads one (cold start matters, kustomize and Argo CD start a process per render).
 */
export function cloudTokenProvider(): TokenProvider {
  return {
    async fetchToken(request) {
      switch (request.provider) {
        case 'ecr': {
          quietAwsSdk();
          const { fetchEcrToken } = await import('./aws/ecr-token-provider.js');
          return fetchEcrToken(request);
        }
        case 'ecr-public': {
          quietAwsSdk();
          const { fetchEcrPublicToken } = await import('./aws/ecr-public-token-provider.js');
          return fetchEcrPublicToken(request);
        }
        case 'acr': {
          const { fetchAcrToken } = await import('./azure/acr-token-provider.js');
          return fetchAcrToken(request);
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
