/**
 * A fake AWS endpoint on loopback for ECR, ECR Public, STS and the container
 * credential endpoint (EKS Pod Identity / ECS), reached by the REAL AWS SDK v3
 * clients through the standard endpoint variables:
 *
 *   AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL_ECR_PUBLIC, AWS_ENDPOINT_URL_STS
 *   (or AWS_ENDPOINT_URL for every service)
 *   AWS_CONTAINER_CREDENTIALS_FULL_URI (+ AWS_CONTAINER_AUTHORIZATION_TOKEN)
 *
 * One `http` server on 127.0.0.1 (random port) serves everything (and, started with a certificate, the same routes
 * over https: `httpsUrl`, reached under AWS's own host names through test/fakes/connect-proxy.ts):
 *   - `POST /` with `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.*` -> ECR (JSON 1.1)
 *   - `POST /` with `X-Amz-Target: SpencerFrontendService.*`                 -> ECR Public (JSON 1.1)
 *   - `POST /` with a form body `Action=...`                                 -> STS (awsQuery; this is what
 *     @aws-sdk/client-sts 3.1143.0 and the SDK's nested STS client send: Content-Type
 *     application/x-www-form-urlencoded, XML replies)
 *   - `GET <any path>` (e.g. /pod-identity, /v1/credentials, /v2/credentials/<id>) -> container credentials
 *
 * Notes on the SDK (checked against the installed @aws-sdk 3.1143.0 sources):
 *   - The default chain, when AWS_CONTAINER_CREDENTIALS_FULL_URI (or _RELATIVE_URI) is set, runs
 *     `chain(fromHttp, fromContainerMetadata)`.
 *     `fromHttp` accepts https anywhere, and plain http only to 127.0.0.0/8, `localhost`, `[::1]`,
 *     169.254.170.2 (ECS) and 169.254.170.23 / [fd00:ec2::23] (EKS Pod Identity).
 *     `fromContainerMetadata` (the older provider) accepts only the hosts `localhost` and
 *     `127.0.0.1` for FULL_URI. Both require `Token` and `Expiration` as strings in the reply.
 *     `fromHttp` retries 3 times with a 1 s pause (timeout 1 s) before failing, then
 *     `fromContainerMetadata` tries once: a refused container credential request through the
 *     default chain shows up as 5 GETs and takes ~3 s.
 *   - STS error codes that the model declares with @awsQueryError get the modeled class name:
 *     `<Code>InvalidIdentityToken</Code>` surfaces as `err.name === 'InvalidIdentityTokenException'`
 *     (likewise IDPRejectedClaim -> IDPRejectedClaimException; ExpiredTokenException is sent as
 *     is); unmodeled codes (AccessDenied, InvalidClientTokenId) keep the wire code as `err.name`.
 *   - The server clock (`setNow`) also drives STS / container credential `Expiration`: a clock set
 *     in the past makes the SDK treat those credentials as expired and fetch them again per call.
 *   - With AWS_EC2_METADATA_DISABLED=true and no container variables, the last link of the default
 *     chain fails at once ("EC2 Instance Metadata Service access disabled") instead of probing
 *     169.254.169.254.
 *   - Retryable errors (status >= 500, throttling codes, resets) are retried by imps-krm's policy
 *     (src/adapters/retry-policy.ts: 3 attempts; the SDK's own retries are off), so
 *     `failNext(service, {status: 500, ...}, 1)` is absorbed by a retry, and a reply can carry Retry-After
 *     or be a reset (`retryAfter`, `reset`).
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { isRecord } from '../../src/core/records.js';

export type AwsService = 'ecr' | 'ecr-public' | 'sts' | 'container-credentials';

export interface AwsCall {
  service: AwsService;
  action: string;
  /** Parsed from the SigV4 Authorization header `Credential=AK/date/region/service/aws4_request`. */
  accessKeyId?: string;
  /** Region of the SigV4 credential scope. */
  region?: string;
  /** `X-Amz-Security-Token`. */
  sessionToken?: string;
  /** JSON body (ECR, ECR Public), form fields (STS), or `{path, authorization?}` (container credentials). */
  params: Record<string, unknown>;
}

export interface FakeAwsError {
  status: number;
  code: string;
  message: string;
  /** A Retry-After header on the error reply. */
  retryAfter?: string;
  /** Close the connection without any reply (a reset), instead of answering. */
  reset?: boolean;
}

export interface FakeAws {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `https://127.0.0.1:PORT`, the same fake over TLS, when started with a certificate (for tests through a proxy). */
  httpsUrl?: string;
  /** `${url}/pod-identity`: a value for AWS_CONTAINER_CREDENTIALS_FULL_URI. */
  containerCredentialsUrl: string;
  calls: AwsCall[];
  resetCalls(): void;
  /** AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL_ECR_PUBLIC, AWS_ENDPOINT_URL_STS set to `url`. */
  env(): Record<string, string>;
  /** AWS_CONTAINER_CREDENTIALS_FULL_URI (and AWS_CONTAINER_AUTHORIZATION_TOKEN when an authToken is set). */
  containerEnv(): Record<string, string>;
  /** ECR / ECR Public token password for that caller; default `ecr-password-for-${accessKeyId}`. */
  setEcrPassword(accessKeyId: string, password: string): void;
  /** ECR and ECR Public token lifetime; default 43200 (12 h). */
  setTokenLifetimeSeconds(seconds: number): void;
  /** Server clock: ECR expiresAt, STS and container credential Expiration. */
  setNow(fn: () => Date): void;
  /** The next `times` (default 1) requests to `service` fail with this error. */
  failNext(service: AwsService, error: FakeAwsError, times?: number): void;
  /** AssumeRole succeeds only for allowed roles (else 403 AccessDenied), optionally only for one caller. */
  allowRole(roleArn: string, opts?: { fromAccessKeyId?: string }): void;
  /** AssumeRoleWithWebIdentity succeeds when the WebIdentityToken equals `token`. */
  allowWebIdentity(roleArn: string, token: string): void;
  /** Credentials served on GET; `token` is the session token (default `container-token-for-${accessKeyId}`). */
  setContainerCredentials(creds: {
    accessKeyId: string;
    secretAccessKey: string;
    token?: string;
    authToken?: string;
  }): void;
  /** Requests signed with this access key id get UnrecognizedClientException (ECR) / InvalidClientTokenId (STS). */
  rejectAccessKey(accessKeyId: string): void;
  /** Forget every knob (passwords, lifetime, clock, failures, roles, container credentials, rejected keys) and the calls. */
  reset(): void;
  close(): Promise<void>;
}

/** The account used when no registryIds / role ARN names one. */
export const FAKE_ACCOUNT_ID = '123456789012';

const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
const ECR_PUBLIC_TARGET_PREFIX = 'SpencerFrontendService.';
const JSON_11 = 'application/x-amz-json-1.1';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const INVALID_TOKEN_MESSAGE = 'The security token included in the request is invalid.';

function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16).toUpperCase();
}

/** The temporary AccessKeyId that AssumeRole / AssumeRoleWithWebIdentity return for a role. */
export function tempAccessKeyIdForRole(roleArn: string): string {
  return `ASIA-${shortHash(roleArn)}`;
}

/** Decode an ECR authorizationToken (base64 `AWS:password`). */
export function decodeEcrToken(token: string): { username: string; password: string } {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i < 0 ? { username: decoded, password: '' } : { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

interface SigV4Scope {
  accessKeyId: string;
  region: string;
  service: string;
}

function parseSigV4(req: http.IncomingMessage, url: URL): SigV4Scope | undefined {
  const auth = req.headers.authorization;
  let credential: string | undefined;
  if (typeof auth === 'string' && auth.startsWith('AWS4-HMAC-SHA256')) {
    credential = /Credential=([^,\s]+)/.exec(auth)?.[1];
  } else {
    credential = url.searchParams.get('X-Amz-Credential') ?? undefined;
  }
  if (!credential) return undefined;
  const parts = credential.split('/');
  // AK/date/region/service/aws4_request
  if (parts.length < 5) return undefined;
  const [accessKeyId, , region, service] = parts;
  if (!accessKeyId || !region || !service) return undefined;
  return { accessKeyId, region, service };
}

function headerValue(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > 1024 * 1024) throw new Error('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Best-effort decode of a JWT payload (no verification): the web identity token may be any string. */
function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

interface IssuedCredentials {
  roleArn: string;
  sessionName: string;
  sessionTokens: Set<string>;
}

interface Reply {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
  reset?: boolean;
}

/** An injected failure as the reply it becomes. */
function injectedReply(injected: FakeAwsError, reply: Reply): Reply {
  return { ...reply, ...(injected.retryAfter !== undefined ? { headers: { 'retry-after': injected.retryAfter } } : {}), ...(injected.reset ? { reset: true } : {}) };
}

export async function startFakeAws(options: { tls?: { key: string; cert: string } } = {}): Promise<FakeAws> {
  const calls: AwsCall[] = [];
  const passwords = new Map<string, string>();
  const rejectedKeys = new Set<string>();
  const allowedRoles = new Map<string, { fromAccessKeyId?: string }>();
  const webIdentities = new Map<string, string>();
  const issued = new Map<string, IssuedCredentials>();
  const failures = new Map<AwsService, Array<{ error: FakeAwsError; remaining: number }>>();
  let lifetimeSeconds = 43200;
  let now: () => Date = () => new Date();
  let containerCreds:
    | { accessKeyId: string; secretAccessKey: string; token: string; authToken?: string }
    | undefined;
  let issueCounter = 0;
  const reset = (): void => {
    calls.length = 0;
    passwords.clear();
    rejectedKeys.clear();
    rejectedKeys.add('INVALID');
    allowedRoles.clear();
    webIdentities.clear();
    issued.clear();
    failures.clear();
    lifetimeSeconds = 43200;
    now = () => new Date();
    containerCreds = undefined;
  };
  reset();

  const takeFailure = (service: AwsService): FakeAwsError | undefined => {
    const queue = failures.get(service);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.error;
  };

  const passwordFor = (accessKeyId: string): string =>
    passwords.get(accessKeyId) ?? `ecr-password-for-${accessKeyId}`;

  /** True when the caller's key is rejected, or a temp key we issued comes with a wrong session token. */
  const invalidCaller = (accessKeyId: string, sessionToken: string | undefined): boolean => {
    if (rejectedKeys.has(accessKeyId)) return true;
    const temp = issued.get(accessKeyId);
    if (temp && (!sessionToken || !temp.sessionTokens.has(sessionToken))) return true;
    return false;
  };

  // ---------------------------------------------------------------- JSON 1.1 (ECR, ECR Public)

  const jsonReply = (status: number, body: unknown): Reply => ({
    status,
    contentType: JSON_11,
    body: JSON.stringify(body),
  });
  const jsonError = (status: number, code: string, message: string): Reply =>
    jsonReply(status, { __type: code, message });

  const handleJson = (
    service: 'ecr' | 'ecr-public',
    action: string,
    bodyText: string,
    scope: SigV4Scope | undefined,
    sessionToken: string | undefined,
  ): { call: AwsCall; reply: Reply } => {
    let params: Record<string, unknown> = {};
    let parseError = false;
    if (bodyText.trim() !== '') {
      try {
        const parsed: unknown = JSON.parse(bodyText);
        if (isRecord(parsed)) params = parsed;
        else parseError = true;
      } catch {
        parseError = true;
      }
    }
    const call: AwsCall = { service, action, params };
    if (scope) {
      call.accessKeyId = scope.accessKeyId;
      call.region = scope.region;
    }
    if (sessionToken !== undefined) call.sessionToken = sessionToken;

    const injected = takeFailure(service);
    if (injected) return { call, reply: injectedReply(injected, jsonError(injected.status, injected.code, injected.message)) };
    if (parseError) return { call, reply: jsonError(400, 'SerializationException', 'Start of structure or map found where not expected.') };
    if (!scope) return { call, reply: jsonError(400, 'MissingAuthenticationTokenException', 'Missing Authentication Token') };
    if (scope.service !== service) {
      return { call, reply: jsonError(403, 'InvalidSignatureException', `Credential should be scoped to correct service: '${service}'. `) };
    }
    if (service === 'ecr-public' && scope.region !== 'us-east-1') {
      // ECR Public's API exists only in us-east-1: a request signed for another region at the
      // us-east-1 endpoint gets what AWS answers for a wrongly scoped signature.
      return { call, reply: jsonError(403, 'InvalidSignatureException', 'Credential should be scoped to a valid region. ') };
    }
    if (invalidCaller(scope.accessKeyId, sessionToken)) {
      return { call, reply: jsonError(400, 'UnrecognizedClientException', INVALID_TOKEN_MESSAGE) };
    }
    if (action !== 'GetAuthorizationToken') {
      return { call, reply: jsonError(400, 'UnknownOperationException', `Operation ${action} is not supported by this fake.`) };
    }

    const token = Buffer.from(`AWS:${passwordFor(scope.accessKeyId)}`, 'utf8').toString('base64');
    const expiresAt = Math.floor(now().getTime() / 1000) + lifetimeSeconds;

    if (service === 'ecr-public') {
      return { call, reply: jsonReply(200, { authorizationData: { authorizationToken: token, expiresAt } }) };
    }

    let accounts = [FAKE_ACCOUNT_ID];
    const registryIds = params['registryIds'];
    if (registryIds !== undefined) {
      if (
        !Array.isArray(registryIds) ||
        registryIds.length === 0 ||
        !registryIds.every((id): id is string => typeof id === 'string' && /^[0-9]{12}$/.test(id))
      ) {
        return {
          call,
          reply: jsonError(
            400,
            'InvalidParameterException',
            "Invalid parameter at 'registryIds' failed to satisfy constraint: 'Member must satisfy regular expression pattern: [0-9]{12}'",
          ),
        };
      }
      accounts = registryIds;
    }
    const authorizationData = accounts.map((account) => ({
      authorizationToken: token,
      expiresAt,
      proxyEndpoint: `https://${account}.dkr.ecr.${scope.region}.amazonaws.com`,
    }));
    return { call, reply: jsonReply(200, { authorizationData }) };
  };

  // ---------------------------------------------------------------- STS (awsQuery, XML)

  const xmlReply = (status: number, body: string): Reply => ({ status, contentType: 'text/xml', body });
  const stsError = (status: number, code: string, message: string): Reply =>
    xmlReply(
      status,
      `<ErrorResponse xmlns="${STS_NS}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
        `<Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message></Error>` +
        `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    );

  const issue = (roleArn: string, sessionName: string, durationSeconds: number) => {
    const accessKeyId = tempAccessKeyIdForRole(roleArn);
    issueCounter += 1;
    const sessionToken = `FakeSessionToken/${shortHash(`${roleArn}#${sessionName}#${issueCounter}`)}/${issueCounter}`;
    const entry = issued.get(accessKeyId) ?? { roleArn, sessionName, sessionTokens: new Set<string>() };
    entry.sessionName = sessionName;
    entry.sessionTokens.add(sessionToken);
    issued.set(accessKeyId, entry);
    const expiration = new Date(now().getTime() + durationSeconds * 1000);
    const roleMatch = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
    const account = roleMatch?.[1] ?? FAKE_ACCOUNT_ID;
    const roleName = roleMatch?.[2] ?? roleArn;
    const roleId = `AROA${shortHash(`role:${roleArn}`)}`;
    return {
      xml:
        `<Credentials><AccessKeyId>${xmlEscape(accessKeyId)}</AccessKeyId>` +
        `<SecretAccessKey>${xmlEscape(`fake-secret-${shortHash(`secret:${roleArn}`)}`)}</SecretAccessKey>` +
        `<SessionToken>${xmlEscape(sessionToken)}</SessionToken>` +
        `<Expiration>${expiration.toISOString()}</Expiration></Credentials>` +
        `<AssumedRoleUser><Arn>${xmlEscape(`arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`)}</Arn>` +
        `<AssumedRoleId>${xmlEscape(`${roleId}:${sessionName}`)}</AssumedRoleId></AssumedRoleUser>`,
    };
  };

  const stsValidation = (field: string, value: string | undefined): string | undefined => {
    if (value === undefined || value === '') {
      return `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`;
    }
    return undefined;
  };

  const handleSts = (
    params: Record<string, string>,
    scope: SigV4Scope | undefined,
    sessionToken: string | undefined,
  ): { call: AwsCall; reply: Reply } => {
    const action = params['Action'] ?? '';
    const call: AwsCall = { service: 'sts', action, params };
    if (scope) {
      call.accessKeyId = scope.accessKeyId;
      call.region = scope.region;
    }
    if (sessionToken !== undefined) call.sessionToken = sessionToken;

    const injected = takeFailure('sts');
    if (injected) return { call, reply: injectedReply(injected, stsError(injected.status, injected.code, injected.message)) };

    const requestId = randomUUID();
    const wrap = (name: string, result: string): Reply =>
      xmlReply(
        200,
        `<${name}Response xmlns="${STS_NS}"><${name}Result>${result}</${name}Result>` +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${name}Response>`,
      );

    if (action === 'AssumeRoleWithWebIdentity') {
      // Unsigned by design: the web identity token is the proof.
      const roleArn = params['RoleArn'];
      const sessionName = params['RoleSessionName'];
      const webToken = params['WebIdentityToken'];
      const invalid =
        stsValidation('roleArn', roleArn) ?? stsValidation('roleSessionName', sessionName) ?? stsValidation('webIdentityToken', webToken);
      if (invalid || roleArn === undefined || sessionName === undefined || webToken === undefined) {
        return { call, reply: stsError(400, 'ValidationError', invalid ?? 'invalid request') };
      }
      const expected = webIdentities.get(roleArn);
      if (expected === undefined) {
        return { call, reply: stsError(403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity') };
      }
      if (expected !== webToken) {
        return {
          call,
          reply: stsError(
            400,
            'InvalidIdentityToken',
            'The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.',
          ),
        };
      }
      const duration = Number(params['DurationSeconds'] ?? 3600) || 3600;
      const { xml } = issue(roleArn, sessionName, duration);
      const claims = jwtClaims(webToken);
      const sub = typeof claims?.['sub'] === 'string' ? claims['sub'] : 'fake-web-identity-subject';
      const aud = typeof claims?.['aud'] === 'string' ? claims['aud'] : 'sts.amazonaws.com';
      const iss = typeof claims?.['iss'] === 'string' ? claims['iss'] : 'https://oidc.fake.local';
      return {
        call,
        reply: wrap(
          'AssumeRoleWithWebIdentity',
          `${xml}<SubjectFromWebIdentityToken>${xmlEscape(sub)}</SubjectFromWebIdentityToken>` +
            `<Audience>${xmlEscape(aud)}</Audience><Provider>${xmlEscape(iss)}</Provider>`,
        ),
      };
    }

    if (action !== 'AssumeRole' && action !== 'GetCallerIdentity') {
      return { call, reply: stsError(400, 'InvalidAction', `Could not find operation ${action} for version 2011-06-15`) };
    }
    if (!scope) {
      return { call, reply: stsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token') };
    }
    if (scope.service !== 'sts') {
      return { call, reply: stsError(403, 'SignatureDoesNotMatch', "Credential should be scoped to correct service: 'sts'. ") };
    }
    if (invalidCaller(scope.accessKeyId, sessionToken)) {
      return { call, reply: stsError(403, 'InvalidClientTokenId', INVALID_TOKEN_MESSAGE) };
    }

    const temp = issued.get(scope.accessKeyId);
    const callerArn = temp
      ? (() => {
          const m = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(temp.roleArn);
          return `arn:aws:sts::${m?.[1] ?? FAKE_ACCOUNT_ID}:assumed-role/${m?.[2] ?? temp.roleArn}/${temp.sessionName}`;
        })()
      : `arn:aws:iam::${FAKE_ACCOUNT_ID}:user/${scope.accessKeyId}`;

    if (action === 'GetCallerIdentity') {
      const account = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(callerArn)?.[1] ?? FAKE_ACCOUNT_ID;
      const userId = temp ? `AROA${shortHash(`role:${temp.roleArn}`)}:${temp.sessionName}` : `AIDA${shortHash(scope.accessKeyId)}`;
      return {
        call,
        reply: wrap(
          'GetCallerIdentity',
          `<Arn>${xmlEscape(callerArn)}</Arn><UserId>${xmlEscape(userId)}</UserId><Account>${account}</Account>`,
        ),
      };
    }

    // AssumeRole
    const roleArn = params['RoleArn'];
    const sessionName = params['RoleSessionName'];
    const invalid = stsValidation('roleArn', roleArn) ?? stsValidation('roleSessionName', sessionName);
    if (invalid || roleArn === undefined || sessionName === undefined) {
      return { call, reply: stsError(400, 'ValidationError', invalid ?? 'invalid request') };
    }
    const allowed = allowedRoles.get(roleArn);
    if (!allowed || (allowed.fromAccessKeyId !== undefined && allowed.fromAccessKeyId !== scope.accessKeyId)) {
      return {
        call,
        reply: stsError(403, 'AccessDenied', `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`),
      };
    }
    const duration = Number(params['DurationSeconds'] ?? 3600) || 3600;
    return { call, reply: wrap('AssumeRole', issue(roleArn, sessionName, duration).xml) };
  };

  // ---------------------------------------------------------------- container credentials

  const handleContainer = (req: http.IncomingMessage, url: URL): { call: AwsCall; reply: Reply } => {
    const authorization = headerValue(req, 'authorization');
    const params: Record<string, unknown> = { path: url.pathname };
    if (authorization !== undefined) params['authorization'] = authorization;
    const call: AwsCall = { service: 'container-credentials', action: 'GetCredentials', params };
    const jsonBody = (status: number, body: unknown): Reply => ({
      status,
      contentType: 'application/json',
      body: JSON.stringify(body),
    });
    const injected = takeFailure('container-credentials');
    if (injected) return { call, reply: injectedReply(injected, jsonBody(injected.status, { Code: injected.code, Message: injected.message })) };
    if (!containerCreds) {
      return { call, reply: jsonBody(404, { Code: 'NotFound', Message: 'no container credentials configured in the fake' }) };
    }
    if (containerCreds.authToken !== undefined && authorization !== containerCreds.authToken) {
      return { call, reply: jsonBody(401, { Code: 'AccessDenied', Message: 'Authorization header does not match the expected token' }) };
    }
    const expiration = new Date(now().getTime() + 6 * 3600 * 1000);
    return {
      call,
      reply: jsonBody(200, {
        AccessKeyId: containerCreds.accessKeyId,
        SecretAccessKey: containerCreds.secretAccessKey,
        Token: containerCreds.token,
        AccountId: FAKE_ACCOUNT_ID,
        Expiration: expiration.toISOString(),
      }),
    };
  };

  // ---------------------------------------------------------------- dispatch

  const dispatch = async (req: http.IncomingMessage): Promise<Reply> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET') {
      const { call, reply } = handleContainer(req, url);
      calls.push(call);
      return reply;
    }
    const body = await readBody(req);
    if (req.method !== 'POST') {
      return { status: 405, contentType: 'text/plain', body: 'method not allowed' };
    }
    const scope = parseSigV4(req, url);
    const sessionToken = headerValue(req, 'x-amz-security-token') ?? url.searchParams.get('X-Amz-Security-Token') ?? undefined;
    const target = headerValue(req, 'x-amz-target');
    if (target?.startsWith(ECR_TARGET_PREFIX)) {
      const { call, reply } = handleJson('ecr', target.slice(ECR_TARGET_PREFIX.length), body, scope, sessionToken);
      calls.push(call);
      return reply;
    }
    if (target?.startsWith(ECR_PUBLIC_TARGET_PREFIX)) {
      const { call, reply } = handleJson('ecr-public', target.slice(ECR_PUBLIC_TARGET_PREFIX.length), body, scope, sessionToken);
      calls.push(call);
      return reply;
    }
    const contentType = headerValue(req, 'content-type') ?? '';
    if (target === undefined && contentType.startsWith('application/x-www-form-urlencoded')) {
      const params: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(body)) params[k] = v;
      const { call, reply } = handleSts(params, scope, sessionToken);
      calls.push(call);
      return reply;
    }
    if (target !== undefined) {
      return jsonError(400, 'UnknownOperationException', `Unknown X-Amz-Target ${target}`);
    }
    return { status: 400, contentType: 'text/plain', body: `fake-aws: cannot route POST ${url.pathname} (${contentType})` };
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    dispatch(req).then(
      (reply) => {
        if (reply.reset) {
          req.socket.destroy();
          return;
        }
        res.writeHead(reply.status, {
          'content-type': reply.contentType,
          'content-length': Buffer.byteLength(reply.body),
          'x-amzn-requestid': randomUUID(),
          ...reply.headers,
        });
        res.end(reply.body);
      },
      (err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake-aws internal error: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  };
  const server = http.createServer(handler);
  const secure = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler) : undefined;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  let httpsUrl: string | undefined;
  if (secure) {
    await new Promise<void>((resolve, reject) => {
      secure.once('error', reject);
      secure.listen(0, '127.0.0.1', () => resolve());
    });
    httpsUrl = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
  }
  const containerCredentialsUrl = `${url}/pod-identity`;

  return {
    url,
    ...(httpsUrl ? { httpsUrl } : {}),
    containerCredentialsUrl,
    calls,
    resetCalls() {
      calls.length = 0;
    },
    env() {
      return {
        AWS_ENDPOINT_URL_ECR: url,
        AWS_ENDPOINT_URL_ECR_PUBLIC: url,
        AWS_ENDPOINT_URL_STS: url,
      };
    },
    containerEnv() {
      const env: Record<string, string> = { AWS_CONTAINER_CREDENTIALS_FULL_URI: containerCredentialsUrl };
      if (containerCreds?.authToken !== undefined) env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] = containerCreds.authToken;
      return env;
    },
    setEcrPassword(accessKeyId, password) {
      passwords.set(accessKeyId, password);
    },
    setTokenLifetimeSeconds(seconds) {
      lifetimeSeconds = seconds;
    },
    setNow(fn) {
      now = fn;
    },
    failNext(service, error, times = 1) {
      if (times <= 0) return;
      const queue = failures.get(service) ?? [];
      queue.push({ error, remaining: times });
      failures.set(service, queue);
    },
    allowRole(roleArn, opts) {
      allowedRoles.set(roleArn, opts?.fromAccessKeyId !== undefined ? { fromAccessKeyId: opts.fromAccessKeyId } : {});
    },
    allowWebIdentity(roleArn, token) {
      webIdentities.set(roleArn, token);
    },
    setContainerCredentials(creds) {
      containerCreds = {
        accessKeyId: creds.accessKeyId,
        secretAccessKey: creds.secretAccessKey,
        token: creds.token ?? `container-token-for-${creds.accessKeyId}`,
        ...(creds.authToken !== undefined ? { authToken: creds.authToken } : {}),
      };
    },
    rejectAccessKey(accessKeyId) {
      rejectedKeys.add(accessKeyId);
    },
    reset,
    async close() {
      if (secure) {
        await new Promise<void>((resolve) => {
          secure.close(() => resolve());
          secure.closeAllConnections();
        });
      }
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
