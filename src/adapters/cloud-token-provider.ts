import type { TokenRequest, RegistryToken } from '../core/tokens.js';
import { foldWarnings, withWarningScope } from '../io/warning-scope.js';
import type { ServiceAccountTokens } from '../ports/service-account-tokens.js';
import type { TokenProvider } from '../ports/tokens.js';

/** What the controller adds to the render faces' provider; every field is the operator's. */
export interface CloudTokenOptions {
  /** The API server, for AcrPullBindings with workload identity (ServiceAccount tokens). Absent: refused. */
  readonly serviceAccounts?: ServiceAccountTokens | undefined;
  /** `--allowed-acr-server-suffixes` (msi-acrpull's flag): replaces IMPS_KRM_ACR_ALLOWED_SUFFIXES; [] checks nothing. */
  readonly acrAllowedSuffixes?: readonly string[] | undefined;
  /** Learns secrets met on the way (a ServiceAccount token), for the caller's redactor. */
  readonly remember?: ((secret: string) => void) | undefined;
}

/** The operator's settings a provider reads: the faces pass `process.env`, tests pass what they mean. */
export type ProviderEnv = Readonly<Record<string, string | undefined>>;

/**
 * Dispatches token requests to the cloud SDK that serves them. Each SDK is imported on first use: a render with
 * only docker-config sources never loads one (cold start matters, kustomize and Argo CD start a process per render).
 * Our own settings (ACR allow-lists, air-gapped endpoints) and the AWS endpoint overrides are read from `env`; what
 * the SDKs read on their own (credential chains, metadata servers) still comes from the process environment.
 * Every face and the controller mint through here, so this is where a failing source's problem becomes ONE line:
 * the process warnings its SDK emitted meanwhile are folded into it (src/io/warning-scope.ts), and so are the
 * extra lines of an SDK message (troubleshooting links).
 */
export function cloudTokenProvider(env: ProviderEnv = process.env, options: CloudTokenOptions = {}): TokenProvider {
  return {
    async fetchToken(request) {
      const result = await withWarningScope(() => dispatch(request, env, options));
      if (result.ok) return result.value;
      const { error, warnings } = result;
      const message = oneLine(error instanceof Error ? error.message : String(error));
      const folded = warnings.length > 0 ? `${message} (${foldWarnings(warnings)})` : message;
      if (error instanceof Error) {
        error.message = folded;
        throw error;
      }
      throw new Error(folded);
    },
  };
}

async function dispatch(request: TokenRequest, env: ProviderEnv, options: CloudTokenOptions): Promise<RegistryToken> {
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
      const settings = acrSettingsFromEnv(env);
      const allowedSuffixes = options.acrAllowedSuffixes ?? settings.allowedSuffixes;
      return fetchAcrToken(request, { ...settings, allowedSuffixes }, options.serviceAccounts, options.remember);
    }
    case 'gar': {
      const { fetchGarToken } = await import('./google/gar-token-provider.js');
      return fetchGarToken(request, env);
    }
  }
}

/** Lines of an SDK message (a troubleshooting link under the cause) joined into one. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/**
 * The SDK warns on every process start under Node 20 that releases after January 2027 need Node 22; in a
 * render that lands in Argo CD's UI as noise. Our versions are pinned, and the README recommends Node 22.
 */
function quietAwsSdk(): void {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
}
