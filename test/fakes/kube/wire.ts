// Wire-format helpers shared by the handlers: Status errors as the apiserver
// words them, PartialObjectMetadata, continue tokens, resourceVersion params.

import type { ResourceDef } from './registry.js';
import type { KubeObject } from './types.js';
import { isRecord } from '../../../src/core/records.js';

export const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export class HttpError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: number, message: string, reason?: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.reason = reason ?? REASONS[code] ?? 'Unknown';
    this.details = details;
  }
}

export function statusBody(code: number, message: string, reason?: string, details?: Record<string, unknown>): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: reason ?? REASONS[code] ?? 'Unknown',
    ...(details ? { details } : {}),
    code,
  };
}

/** `secrets` or `imagepullsecrets.images.banzaicloud.io`, as real error messages name resources. */
export function qualified(def: ResourceDef): string {
  return def.group === '' ? def.plural : `${def.plural}.${def.group}`;
}
export const detailsOf = (def: ResourceDef, name: string): Record<string, unknown> => ({ name, ...(def.group ? { group: def.group } : {}), kind: def.plural });
export const notFound = (def: ResourceDef, name: string): HttpError => new HttpError(404, `${qualified(def)} "${name}" not found`, 'NotFound', detailsOf(def, name));
export const conflict = (def: ResourceDef, name: string): HttpError =>
  new HttpError(409, `Operation cannot be fulfilled on ${qualified(def)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, 'Conflict', detailsOf(def, name));
export const expired = (rv: number, oldest: number): HttpError => new HttpError(410, `too old resource version: ${rv} (${oldest})`, 'Expired');

export const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
// The project's one reading of untyped data (src/core/records.ts); re-exported for the fake's modules.
export { isRecord };

export function wantsPartial(accept: string | undefined): boolean {
  return accept !== undefined && /as=PartialObjectMetadata(List)?\b/.test(accept);
}

export function toPartial(obj: KubeObject): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function asKubeObject(body: unknown, what: string): KubeObject {
  if (!isRecord(body)) throw new HttpError(400, `${what}: request body must be a JSON object`);
  const metadata = isRecord(body.metadata) ? { ...body.metadata } : {};
  return { ...body, metadata } as KubeObject;
}

export function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

export function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const v: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (isRecord(v) && typeof v.rv === 'number' && typeof v.start === 'string') return { rv: v.rv, start: v.start };
  } catch {
    // fall through to the 400 below
  }
  throw new HttpError(400, 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

export function parseRv(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '' || raw === '0') return undefined;
  if (!/^\d+$/.test(raw)) throw new HttpError(400, `resourceVersion: Invalid value: ${JSON.stringify(raw)}: must be a non-negative integer`);
  return Number(raw);
}

