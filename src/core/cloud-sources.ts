import type { AcrLoginConfig } from '../generated/acr-login-config.js';
import type { GarLoginConfig } from '../generated/gar-login-config.js';
import {
  validateAcrLoginConfig,
  validateAwsEcrLoginConfig,
  validateBasicAuthSource,
  validateEcrPublicLoginConfig,
  validateGarLoginConfig,
} from '../generated/validators.js';
import { AIRGAPPED_AUDIENCE_ENV, AIRGAPPED_AUTHORITY_HOST_ENV } from './azure-clouds.js';
import { REGISTRY_ANNOTATION } from './contract.js';
import { basicAuth, usernameProblem } from './docker-config.js';
import { isRecord } from './records.js';
import { definedOnly, schemaErrors, type FormatResult } from './source-plan.js';
import { trimTrailing } from './text.js';
import { ECR_PUBLIC_REGISTRY, ecrRegistryHost, type AzureIdentity } from './tokens.js';

// The cloud and basic-auth source formats: each checks its schema, then says what to mint (or the login itself).

/** The fields the two AWS formats share: optional static keys and a role to assume. */
interface AwsLogin {
  readonly accessKeyID?: string | undefined;
  readonly secretKey?: string | undefined;
  readonly sessionToken?: string | undefined;
  readonly roleArn?: string | undefined;
}

/**
 * Private ECR and ECR Public: the same keys and role; they differ in the token API (a region, or us-east-1 only) and
 * the registry (the account's host, or public.ecr.aws). Without both halves of a key pair the process's own chain is
 * used (IRSA, Pod Identity).
 */
function awsTokenPlan(config: AwsLogin, api: { readonly provider: 'ecr'; readonly region: string } | { readonly provider: 'ecr-public' }, registry: string): FormatResult {
  const keys =
    config.accessKeyID !== undefined && config.secretKey !== undefined
      ? { accessKeyId: config.accessKeyID, secretAccessKey: config.secretKey, sessionToken: config.sessionToken }
      : undefined;
  return {
    plan: { kind: 'token', request: { ...api, keys, roleArn: config.roleArn }, registry },
    secrets: definedOnly([config.secretKey, config.sessionToken]),
  };
}

export function parseEcrLogin(values: Record<string, string>): FormatResult {
  if (!validateAwsEcrLoginConfig(values)) return schemaErrors(validateAwsEcrLoginConfig.errors);
  return awsTokenPlan(values, { provider: 'ecr', region: values.region }, ecrRegistryHost(values.accountID, values.region));
}

export function parseEcrPublicLogin(values: Record<string, string>): FormatResult {
  if (!validateEcrPublicLoginConfig(values)) return schemaErrors(validateEcrPublicLoginConfig.errors);
  // `registry` only names the key in the docker config (the helper's https://public.ecr.aws): the token is ECR Public's.
  return awsTokenPlan(values, { provider: 'ecr-public' }, values.registry ?? ECR_PUBLIC_REGISTRY);
}

/**
 * Keys a source may not set: each reaches a file or a host, which only the operator chooses (docs/security.md).
 * Checked before the schema, which does not list them, so the error says where the setting lives instead of
 * `unknown field`.
 */
const ACR_OPERATOR_ONLY: Readonly<Record<string, string>> = {
  federatedTokenFile: 'not accepted from a source: the token file is an operator setting (AZURE_FEDERATED_TOKEN_FILE in the environment of imps-krm)',
  authorityHost: `not accepted from a source: choose a known cloud with environment; the Entra authority is an operator setting (AZURE_AUTHORITY_HOST, or ${AIRGAPPED_AUTHORITY_HOST_ENV} for AirgappedCloud)`,
  resourceManagerAudience: `not accepted from a source: choose a known cloud with environment; an air-gapped cloud's audience is an operator setting (${AIRGAPPED_AUDIENCE_ENV})`,
};

export function parseAcrLogin(values: Record<string, string>): FormatResult {
  const operatorOnly = Object.keys(values).filter((key) => Object.hasOwn(ACR_OPERATOR_ONLY, key));
  if (operatorOnly.length > 0) {
    const rest = Object.fromEntries(Object.entries(values).filter(([key]) => !operatorOnly.includes(key)));
    const others = validateAcrLoginConfig(rest) ? [] : schemaErrors(validateAcrLoginConfig.errors).errors;
    return { errors: [...operatorOnly.map((key) => `${key}: ${ACR_OPERATOR_ONLY[key]}`), ...others] };
  }
  if (!validateAcrLoginConfig(values)) return schemaErrors(validateAcrLoginConfig.errors);
  const config: AcrLoginConfig = values;
  const identity = acrIdentity(config);
  if ('errors' in identity) return identity;
  const registry = trimTrailing(config.registry, '/');
  return {
    plan: {
      kind: 'token',
      request: { provider: 'acr', registry, scope: config.scope, identity: identity.identity, cloud: config.environment ?? 'PublicCloud' },
      registry,
    },
    secrets: definedOnly([config.clientSecret]),
  };
}

/** Each identity kind takes only its own fields: a stray field is more likely a mistake than a wish. */
function acrIdentity(config: AcrLoginConfig): { identity: AzureIdentity } | { errors: string[] } {
  const stray = (allowed: ReadonlyArray<keyof AcrLoginConfig>): string[] =>
    (['clientID', 'resourceID', 'tenantID', 'clientSecret'] as const)
      .filter((field) => config[field] !== undefined && !allowed.includes(field))
      .map((field) => `${field}: not used with identity ${config.identity}`);
  switch (config.identity) {
    case 'ManagedIdentity': {
      const errors = stray(['clientID', 'resourceID']);
      if (config.clientID !== undefined && config.resourceID !== undefined) errors.push('resourceID: give clientID or resourceID, not both');
      return errors.length > 0 ? { errors } : { identity: { kind: 'ManagedIdentity', clientId: config.clientID, resourceId: config.resourceID } };
    }
    case 'WorkloadIdentity': {
      const errors = stray(['clientID', 'tenantID']);
      return errors.length > 0 ? { errors } : { identity: { kind: 'WorkloadIdentity', clientId: config.clientID, tenantId: config.tenantID } };
    }
    case 'ServicePrincipal': {
      const errors = stray(['clientID', 'tenantID', 'clientSecret']);
      // The schema requires all three for a service principal; the checks narrow the types.
      if (errors.length > 0 || !config.clientID || !config.tenantID || !config.clientSecret) return { errors };
      return { identity: { kind: 'ServicePrincipal', clientId: config.clientID, tenantId: config.tenantID, clientSecret: config.clientSecret } };
    }
  }
}

export function parseGarLogin(values: Record<string, string>): FormatResult {
  if (!validateGarLoginConfig(values)) return schemaErrors(validateGarLoginConfig.errors);
  const config: GarLoginConfig = values;
  const key = config.serviceAccountKey;
  if (key !== undefined) {
    const problem = serviceAccountKeyProblem(key);
    if (problem) return { errors: [`serviceAccountKey: ${problem}`] };
  }
  return {
    plan: { kind: 'token', request: { provider: 'gar', serviceAccountKey: key }, registry: config.registry },
    secrets: key === undefined ? [] : [key, ...privateKeyOf(key)],
  };
}

/** Checked here so a pasted wrong file fails with a field error, not an SDK stack. */
function serviceAccountKeyProblem(key: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(key);
  } catch {
    return 'not valid JSON (expected a service-account key file)';
  }
  if (!isRecord(parsed)) return 'must be a JSON object';
  if (parsed['type'] !== 'service_account') return 'type must be service_account';
  for (const field of ['client_email', 'private_key']) {
    if (typeof parsed[field] !== 'string' || parsed[field] === '') return `${field} is required`;
  }
  return undefined;
}

/** The PEM alone is the secret part; remembered on its own so an SDK quoting it is still redacted. */
function privateKeyOf(key: string): string[] {
  try {
    const parsed: unknown = JSON.parse(key);
    const pem = isRecord(parsed) ? parsed['private_key'] : undefined;
    return typeof pem === 'string' ? [pem] : [];
  } catch {
    return [];
  }
}

export function parseBasicAuth(values: Record<string, string>, annotations: Readonly<Record<string, unknown>>): FormatResult {
  if (!validateBasicAuthSource(values)) return schemaErrors(validateBasicAuthSource.errors);
  const annotated = annotations[REGISTRY_ANNOTATION];
  const registry = typeof annotated === 'string' && annotated !== '' ? annotated : values['registry'];
  if (registry === undefined) {
    return { errors: [`metadata.annotations[${JSON.stringify(REGISTRY_ANNOTATION)}]: required (the registry these logins are for)`] };
  }
  const { username, password } = values as { username: string; password: string };
  const problem = usernameProblem(username);
  if (problem) return { errors: [`username: ${problem}`] };
  return {
    plan: { kind: 'static', credentials: [{ registry, username, password }] },
    secrets: [password, basicAuth(username, password)],
  };
}
