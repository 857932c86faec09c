import {
  AIRGAPPED_AUDIENCE_ENV,
  AIRGAPPED_AUTHORITY_HOST_ENV,
  DEFAULT_ACR_SUFFIXES,
  registryAllowed,
  type AirgappedCloudSettings,
} from '../../core/azure-clouds.js';
import { ACR_USERNAME, type AcrTokenRequest, type RegistryToken } from '../../core/tokens.js';
import type { ServiceAccountTokens } from '../../ports/service-account-tokens.js';
import { TokenError } from '../../ports/tokens.js';
import { exchangeForAccessToken, exchangeForRefreshToken, jwtExpiry, type AcrEndpoint } from './acr-exchange.js';
import { fetchEntraToken } from './entra-token.js';
import { proxyEnvOf, type ProxyEnv } from '../proxy-env.js';

/** Operator settings, read from the environment of the process that renders. */
export interface AcrSettings {
  /** IMPS_KRM_ACR_ALLOWED_SUFFIXES: comma-separated; `*` turns the check off. Default: the Azure clouds' suffixes. */
  readonly allowedSuffixes: readonly string[];
  /** IMPS_KRM_INSECURE_REGISTRY_HOSTS: hosts whose token service may be reached over plain http. Tests only. */
  readonly insecureHosts: readonly string[];
  /** IMPS_KRM_AZURE_AIRGAPPED_AUTHORITY_HOST and IMPS_KRM_AZURE_AIRGAPPED_AUDIENCE: an air-gapped cloud's endpoints. */
  readonly airgapped: AirgappedCloudSettings;
  /** HTTPS_PROXY and NO_PROXY, for the token service (https-proxy.ts); the Azure SDK reads them itself for Entra ID. */
  readonly proxy: ProxyEnv;
}

export function acrSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AcrSettings {
  const list = (value: string | undefined): string[] => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const suffixes = env['IMPS_KRM_ACR_ALLOWED_SUFFIXES'];
  return {
    allowedSuffixes: suffixes === undefined ? DEFAULT_ACR_SUFFIXES : suffixes.trim() === '*' ? [] : list(suffixes),
    insecureHosts: list(env['IMPS_KRM_INSECURE_REGISTRY_HOSTS']),
    airgapped: { authorityHost: env[AIRGAPPED_AUTHORITY_HOST_ENV]?.trim(), audience: env[AIRGAPPED_AUDIENCE_ENV]?.trim() },
    proxy: proxyEnvOf(env),
  };
}

/**
 * msi-acrpull's exchange: Entra ID token -> ACR refresh token -> (with a scope) repository access token.
 * The registry is checked before any identity is asked for a token, so a disallowed registry never sees one.
 */
export async function fetchAcrToken(
  request: AcrTokenRequest,
  settings = acrSettingsFromEnv(),
  serviceAccounts?: ServiceAccountTokens,
  remember?: (secret: string) => void,
): Promise<RegistryToken> {
  const endpoint = acrEndpoint(request.registry, settings);
  const entraToken = await fetchEntraToken(request, settings.airgapped, serviceAccounts, remember);
  const refreshToken = await exchangeForRefreshToken(endpoint, entraToken, settings.proxy);
  const password = request.scope ? await exchangeForAccessToken(endpoint, refreshToken, request.scope, settings.proxy) : refreshToken;
  // ACR tokens have lived 75 minutes where 3 hours were documented: only the token itself knows.
  const expiresAt = jwtExpiry(password);
  if (!expiresAt) throw new TokenError(`ACR ${endpoint.service}: the token has no exp claim, so its renewal cannot be planned`);
  return { username: ACR_USERNAME, password, expiresAt };
}

export function acrEndpoint(registry: string, settings: AcrSettings): AcrEndpoint {
  if (registry.startsWith('http://')) {
    const url = new URL(registry);
    if (!settings.insecureHosts.includes(url.hostname)) {
      throw new TokenError(
        `registry ${registry}: plain http is refused (tokens would travel in clear); it is allowed only for hosts listed in IMPS_KRM_INSECURE_REGISTRY_HOSTS, a test setting`,
      );
    }
    return { baseUrl: url.origin, service: url.host };
  }
  const host = registry.replace(/^https:\/\//, '');
  const hostname = host.replace(/:\d+$/, '');
  if (!registryAllowed(hostname, settings.allowedSuffixes)) {
    throw new TokenError(
      `ACR registry ${hostname} is not in the allowed suffixes (${settings.allowedSuffixes.join(', ')}); set IMPS_KRM_ACR_ALLOWED_SUFFIXES to allow it`,
    );
  }
  return { baseUrl: `https://${host}`, service: host };
}
