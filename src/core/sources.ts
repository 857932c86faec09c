import type { DockerAuthEntry, DockerAuths } from '../generated/docker-config.js';
import { validateDockerCfg, validateDockerConfigJson } from '../generated/validators.js';
import { ACCOUNT_ID_TYPE_HINT } from '../validation/ajv-errors.js';
import { parseAcrLogin, parseBasicAuth, parseEcrLogin, parseEcrPublicLogin, parseGarLogin } from './cloud-sources.js';
import { basicAuth, usernameProblem, type RegistryCredential } from './docker-config.js';
import { schemaErrors, type FormatResult, type SourcePlan } from './source-plan.js';
import { decodeUtf8 } from './utf8.js';

export type { SourcePlan } from './source-plan.js';

/** The parts of a source Secret we read. `data` values are base64, `stringData` values plain (input manifests). */
export interface SourceSecret {
  readonly type?: string | undefined;
  /** Values are checked here, not trusted: input manifests may hold numbers where strings belong. */
  readonly data?: Readonly<Record<string, unknown>> | undefined;
  readonly stringData?: Readonly<Record<string, unknown>> | undefined;
  /** `metadata.annotations`: a `kubernetes.io/basic-auth` source names its registry there. */
  readonly annotations?: Readonly<Record<string, unknown>> | undefined;
}

export type SourceParse =
  | { readonly ok: true; readonly plan: SourcePlan; readonly credentials: readonly string[] }
  | { readonly ok: false; readonly errors: readonly string[]; readonly credentials: readonly string[] };

export const SOURCE_TYPES = {
  dockerConfigJson: 'kubernetes.io/dockerconfigjson',
  dockerCfg: 'kubernetes.io/dockercfg',
  ecrLogin: 'banzaicloud.io/aws-ecr-login-config',
  ecrPublicLogin: 'imps-krm.io/ecr-public-login-config',
  acrLogin: 'imps-krm.io/acr-login-config',
  garLogin: 'imps-krm.io/gar-login-config',
  basicAuth: 'kubernetes.io/basic-auth',
} as const;

const KNOWN_TYPES = Object.values(SOURCE_TYPES);

/**
 * Reads a source Secret into a plan. Never throws; every error names the key or field at fault and carries no
 * secret value. `credentials` lists the secret values seen, for the caller's redactor, even on failure: the
 * passwords of a known format, or every value when the format is unknown.
 */
export function parseSource(secret: SourceSecret): SourceParse {
  const keys = decodeKeys(secret);
  const everything = Object.values(keys.values);
  if (keys.errors.length > 0) return { ok: false, errors: keys.errors, credentials: everything };
  const fail = (...errors: string[]): SourceParse => ({ ok: false, errors, credentials: everything });
  switch (secret.type) {
    case SOURCE_TYPES.dockerConfigJson:
      return withCredentials(parseDockerJson(keys.values, '.dockerconfigjson', true), everything);
    case SOURCE_TYPES.dockerCfg:
      return withCredentials(parseDockerJson(keys.values, '.dockercfg', false), everything);
    case SOURCE_TYPES.ecrLogin:
      return withCredentials(parseEcrLogin(keys.values), [keys.values['secretKey'], keys.values['sessionToken']]);
    case SOURCE_TYPES.ecrPublicLogin:
      return withCredentials(parseEcrPublicLogin(keys.values), [keys.values['secretKey'], keys.values['sessionToken']]);
    case SOURCE_TYPES.acrLogin:
      return withCredentials(parseAcrLogin(keys.values), [keys.values['clientSecret']]);
    case SOURCE_TYPES.garLogin:
      return withCredentials(parseGarLogin(keys.values), [keys.values['serviceAccountKey']]);
    case SOURCE_TYPES.basicAuth:
      return withCredentials(parseBasicAuth(keys.values, secret.annotations ?? {}), [keys.values['password']]);
    default:
      return fail(`unknown secret type ${JSON.stringify(secret.type ?? 'Opaque')}: ${typeHint(Object.keys(keys.values))}`);
  }
}

/**
 * What to set when the type is missing or wrong. IMPS's refresher README shows its ECR source Secret without a type
 * (so it is Opaque); and the API server refuses to change a Secret's type in place (ValidateSecretUpdate: "field is
 * immutable"), so `kubectl apply` with the type added fails until the Secret is deleted and re-created.
 */
function typeHint(keys: readonly string[]): string {
  const has = (key: string): boolean => keys.includes(key);
  const likely = has('.dockerconfigjson')
    ? SOURCE_TYPES.dockerConfigJson
    : has('.dockercfg')
      ? SOURCE_TYPES.dockerCfg
      : has('accountID') || has('region')
        ? SOURCE_TYPES.ecrLogin
        : has('serviceAccountKey')
          ? SOURCE_TYPES.garLogin
          : has('identity') || has('tenantID') || has('clientID')
            ? SOURCE_TYPES.acrLogin
            : has('username') && has('password')
              ? SOURCE_TYPES.basicAuth
              : undefined;
  const immutable = "a Secret's type cannot be changed in place: delete the Secret and create it again with the type";
  if (likely) return `its keys are those of a ${likely} source: set \`type: ${likely}\` (${immutable})`;
  return `set \`type:\` to one of ${KNOWN_TYPES.join(', ')} (${immutable})`;
}

/** On failure every value that might be secret is remembered; on success only what the format says is secret. */
function withCredentials(
  result: FormatResult,
  secretOnFailure: ReadonlyArray<string | undefined>,
): SourceParse {
  const defined = (values: ReadonlyArray<string | undefined>): string[] => values.filter((v): v is string => v !== undefined);
  if ('errors' in result) return { ok: false, errors: result.errors, credentials: defined(secretOnFailure) };
  return { ok: true, plan: result.plan, credentials: result.secrets };
}

/** `stringData` wins over `data`, as the API server merges them on write. */
function decodeKeys(secret: SourceSecret): { values: Record<string, string>; errors: string[] } {
  const values: Record<string, string> = {};
  const errors: string[] = [];
  for (const [key, encoded] of Object.entries(secret.data ?? {})) {
    if (typeof encoded !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded.replace(/\s/g, ''))) {
      errors.push(`data[${JSON.stringify(key)}]: not valid base64`);
      continue;
    }
    // Strict: a stray byte would otherwise become U+FFFD, and a login that can never work would be rendered.
    const text = decodeUtf8(Buffer.from(encoded, 'base64'));
    if ('offset' in text) {
      errors.push(`data[${JSON.stringify(key)}]: not UTF-8 text (invalid byte at offset ${text.offset} of the decoded value)`);
      continue;
    }
    values[key] = text.text;
  }
  for (const [key, value] of Object.entries(secret.stringData ?? {})) {
    if (typeof value !== 'string') {
      const hint = key === 'accountID' ? ACCOUNT_ID_TYPE_HINT : 'must be a string (quote numbers such as accountID)';
      errors.push(`stringData[${JSON.stringify(key)}]: ${hint}`);
      continue;
    }
    values[key] = value;
  }
  return { values, errors };
}

function parseDockerJson(
  values: Record<string, string>,
  key: '.dockerconfigjson' | '.dockercfg',
  wrapped: boolean,
): FormatResult {
  const raw = values[key];
  if (raw === undefined) return { errors: [`missing key ${key}`] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { errors: [`data[${JSON.stringify(key)}]: not valid JSON`] };
  }
  const auths = readAuths(parsed, key, wrapped);
  if ('errors' in auths) return auths;
  const credentials: RegistryCredential[] = [];
  const secrets: string[] = [];
  const errors: string[] = [];
  for (const [registry, entry] of Object.entries(auths.auths)) {
    const login = loginOf(entry);
    if ('error' in login) {
      errors.push(`${key}: registry ${registry}: ${login.error}`);
      continue;
    }
    credentials.push({ registry, ...login });
    secrets.push(login.password, basicAuth(login.username, login.password));
  }
  if (errors.length > 0) return { errors };
  return { plan: { kind: 'static', credentials }, secrets };
}

function readAuths(parsed: unknown, key: string, wrapped: boolean): { auths: DockerAuths } | { errors: string[] } {
  if (wrapped) {
    return validateDockerConfigJson(parsed) ? { auths: parsed.auths } : schemaErrors(validateDockerConfigJson.errors, key);
  }
  return validateDockerCfg(parsed) ? { auths: parsed } : schemaErrors(validateDockerCfg.errors, key);
}

/** The kubelet's rule: a decodable `auth` wins over `username`/`password`. */
function loginOf(entry: DockerAuthEntry): { username: string; password: string } | { error: string } {
  if (entry.auth !== undefined) {
    const decoded = decodeUtf8(Buffer.from(entry.auth, 'base64'));
    if ('offset' in decoded) return { error: `\`auth\` is not UTF-8 text (invalid byte at offset ${decoded.offset} of the decoded value)` };
    const colon = decoded.text.indexOf(':');
    if (colon < 0) return { error: '`auth` is not base64 of username:password' };
    return { username: decoded.text.slice(0, colon), password: decoded.text.slice(colon + 1) };
  }
  const username = entry.username ?? '';
  const problem = usernameProblem(username);
  if (problem) return { error: `\`username\` ${problem}` };
  return { username, password: entry.password ?? '' };
}
