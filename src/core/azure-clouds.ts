import { trimTrailing } from './text.js';
/** The Azure clouds an ACR source can name: where Entra ID lives and which audience ACR's exchange accepts. */
export type AzureEnvironment = 'PublicCloud' | 'USGovernmentCloud' | 'ChinaCloud' | 'AirgappedCloud';

interface AzureCloud {
  readonly authorityHost: string;
  readonly resourceManagerAudience: string;
  readonly registrySuffix: string;
}

/** Air-gapped clouds have no public values: their sources must give both settings. */
export const AZURE_CLOUDS: Readonly<Record<Exclude<AzureEnvironment, 'AirgappedCloud'>, AzureCloud>> = {
  PublicCloud: {
    authorityHost: 'https://login.microsoftonline.com',
    resourceManagerAudience: 'https://management.azure.com/',
    registrySuffix: 'azurecr.io',
  },
  USGovernmentCloud: {
    authorityHost: 'https://login.microsoftonline.us',
    resourceManagerAudience: 'https://management.usgovcloudapi.net/',
    registrySuffix: 'azurecr.us',
  },
  ChinaCloud: {
    authorityHost: 'https://login.chinacloudapi.cn',
    resourceManagerAudience: 'https://management.chinacloudapi.cn/',
    registrySuffix: 'azurecr.cn',
  },
};

/** Registry suffixes allowed when the operator sets none (IMPS_KRM_ACR_ALLOWED_SUFFIXES). */
export const DEFAULT_ACR_SUFFIXES: readonly string[] = Object.values(AZURE_CLOUDS).map((cloud) => cloud.registrySuffix);

/** The OAuth scope for an audience: `https://management.azure.com/` -> `https://management.azure.com/.default`. */
export const defaultScopeOf = (audience: string): string => `${trimTrailing(audience, '/')}/.default`;

/**
 * True when `host` is `suffix` or a subdomain of it: `a.azurecr.io` matches `azurecr.io`, `evilazurecr.io`
 * does not. An empty list allows everything (the operator turned the check off).
 */
export function registryAllowed(host: string, suffixes: readonly string[]): boolean {
  if (suffixes.length === 0) return true;
  const lower = host.toLowerCase();
  return suffixes.some((suffix) => {
    const s = suffix.toLowerCase().replace(/^\.+/, '');
    return lower === s || lower.endsWith(`.${s}`);
  });
}
