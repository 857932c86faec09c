import { trimTrailing } from './text.js';
/** The Azure clouds an ACR source can name: where Entra ID lives and which audience ACR's exchange accepts. */
export type AzureEnvironment = 'PublicCloud' | 'USGovernmentCloud' | 'ChinaCloud' | 'AirgappedCloud';

interface AzureCloud {
  readonly authorityHost: string;
  readonly resourceManagerAudience: string;
  readonly registrySuffix: string;
}

/** Air-gapped clouds have no public values: the operator gives both (see `azureCloudEndpoints`). */
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

/** Operator settings for an air-gapped cloud, from the process environment. */
export interface AirgappedCloudSettings {
  /** IMPS_KRM_AZURE_AIRGAPPED_AUTHORITY_HOST, e.g. https://login.example.internal */
  readonly authorityHost?: string | undefined;
  /** IMPS_KRM_AZURE_AIRGAPPED_AUDIENCE, e.g. https://management.example.internal/ */
  readonly audience?: string | undefined;
}

export const AIRGAPPED_AUTHORITY_HOST_ENV = 'IMPS_KRM_AZURE_AIRGAPPED_AUTHORITY_HOST';
export const AIRGAPPED_AUDIENCE_ENV = 'IMPS_KRM_AZURE_AIRGAPPED_AUDIENCE';

/** Where Entra ID is asked, and for which scope: an authority left undefined is the SDK's (AZURE_AUTHORITY_HOST). */
export type AzureCloudEndpoints = { readonly authorityHost?: string | undefined; readonly tokenScope: string } | { readonly error: string };

/**
 * The Entra endpoints of a cloud a source names. A source only picks a cloud; every host comes from this table or
 * from the operator: a source that could name a host could send the process's federated token there
 * (docs/security.md). Public cloud leaves the authority to the SDK, which honours the operator's
 * AZURE_AUTHORITY_HOST (sovereign and test setups). Air-gapped clouds have no public values: without the operator's
 * two settings the source is refused before any identity is asked for a token.
 */
export function azureCloudEndpoints(environment: AzureEnvironment, airgapped: AirgappedCloudSettings): AzureCloudEndpoints {
  if (environment !== 'AirgappedCloud') {
    const cloud = AZURE_CLOUDS[environment];
    return {
      authorityHost: environment === 'PublicCloud' ? undefined : cloud.authorityHost,
      tokenScope: defaultScopeOf(cloud.resourceManagerAudience),
    };
  }
  const { authorityHost, audience } = airgapped;
  if (!authorityHost || !audience) {
    const missing = [...(authorityHost ? [] : [AIRGAPPED_AUTHORITY_HOST_ENV]), ...(audience ? [] : [AIRGAPPED_AUDIENCE_ENV])];
    return { error: `environment AirgappedCloud: the operator has not set ${missing.join(' and ')} (the air-gapped cloud's Entra authority and Resource Manager audience)` };
  }
  const wrong = [
    ...(/^https:\/\/[^\s/]+\/?$/.test(authorityHost) ? [] : [`${AIRGAPPED_AUTHORITY_HOST_ENV} must be an https origin`]),
    ...(/^https:\/\/\S+$/.test(audience) ? [] : [`${AIRGAPPED_AUDIENCE_ENV} must be an https URL`]),
  ];
  if (wrong.length > 0) return { error: `environment AirgappedCloud: ${wrong.join('; ')}` };
  return { authorityHost, tokenScope: defaultScopeOf(audience) };
}

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
