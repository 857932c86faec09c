import type { ErrorObject } from 'ajv';
import {
  DNS1123_LABEL_PATTERN,
  DNS1123_LABEL_RULE,
  DNS1123_SUBDOMAIN_PATTERN,
  DNS1123_SUBDOMAIN_RULE,
  LABEL_KEY_PATTERN,
  LABEL_KEY_RULE,
  LABEL_VALUE_PATTERN,
  LABEL_VALUE_RULE,
  NAME_OR_GLOB_PATTERN,
  REPOSITORY_PATH_PATTERN,
  REPOSITORY_PATH_RULE,
} from './name-patterns.js';
import { joinPath, keySegment, pointerToPath } from './field-path.js';

/** Known patterns, said as the rule they stand for: a regular expression is no message for people. */
const PATTERN_RULES: ReadonlyMap<string, string> = new Map([
  [DNS1123_LABEL_PATTERN, `invalid DNS-1123 label: ${DNS1123_LABEL_RULE}`],
  [DNS1123_SUBDOMAIN_PATTERN, `invalid DNS-1123 subdomain: ${DNS1123_SUBDOMAIN_RULE}`],
  [LABEL_KEY_PATTERN, `invalid label key: ${LABEL_KEY_RULE}`],
  [LABEL_VALUE_PATTERN, `invalid label value: ${LABEL_VALUE_RULE}`],
  [NAME_OR_GLOB_PATTERN, `invalid namespace name or glob: a name ${DNS1123_LABEL_RULE}; a glob may also have '*' and '?'`],
  ['^[0-9]{12}$', 'must be 12 digits'],
  // AWS keys travel in HTTP headers (schemas/*ecr*-login-config.schema.json); a trailing newline is the usual cause.
  ['^[!-~]+$', 'must be visible ASCII, with no spaces or line breaks (a value saved with `echo` keeps its newline: use `echo -n` or `printf`)'],
  ['^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]+$', "must be an IAM role ARN, arn:<partition>:iam::<12-digit account>:role/<path and name of letters, digits and '_+=,.@/-'>"],
  [REPOSITORY_PATH_PATTERN, `invalid repository path: ${REPOSITORY_PATH_RULE}`],
]);

/** Keys whose wrong type has a known cause: YAML reads an unquoted account id as a number (and drops leading zeros). */
export const ACCOUNT_ID_TYPE_HINT = 'must be a string of 12 digits (quote it: "123456789012")';
const TYPE_HINTS: ReadonlyMap<string, string> = new Map([['accountID', ACCOUNT_ID_TYPE_HINT]]);

export interface FieldError {
  /** Dotted field path, e.g. `spec.target.secret.name`. */
  readonly path: string;
  readonly message: string;
}

/**
 * Reduces ajv's errors to one line per field, in the words a Kubernetes user expects
 * (`spec.target.secret.name: required`). Wrapper errors (`if`, `anyOf`) are folded into their branches.
 */
export function describeAjvErrors(errors: readonly ErrorObject[] | null | undefined, base = ''): FieldError[] {
  const out: FieldError[] = [];
  const anyOfBranches = new Map<string, Map<string, string[]>>();
  for (const error of errors ?? []) {
    const at = joinPath(base, pointerToPath(error.instancePath));
    // propertyNames: the inner error (pattern, maxLength) names the key; the wrapper says nothing more.
    if (error.keyword === 'propertyNames') continue;
    if (error.propertyName !== undefined) {
      const line = describe(error, joinPath(at, keySegment(error.propertyName)));
      if (line) out.push(line);
      continue;
    }
    const branch = /\/anyOf\/(\d+)\//.exec(error.schemaPath);
    if (branch && error.keyword === 'required') {
      const branches = anyOfBranches.get(at) ?? new Map<string, string[]>();
      const missing = branches.get(branch[1]!) ?? [];
      missing.push(String(error.params['missingProperty']));
      branches.set(branch[1]!, missing);
      anyOfBranches.set(at, branches);
      continue;
    }
    const line = describe(error, at);
    if (line) out.push(line);
  }
  for (const [at, branches] of anyOfBranches) {
    const forms = [...branches.values()].map((fields) => fields.map((f) => `\`${f}\``).join(' and '));
    out.push({ path: at, message: `needs ${forms.join(' or ')}` });
  }
  return dedupe(out);
}

function describe(error: ErrorObject, at: string): FieldError | undefined {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'if':
    case 'anyOf':
      return undefined;
    case 'required':
      return { path: joinPath(at, String(params['missingProperty'])), message: 'required' };
    case 'additionalProperties':
      return { path: joinPath(at, keySegment(String(params['additionalProperty']))), message: 'unknown field' };
    case 'dependencies':
      return { path: joinPath(at, String(params['missingProperty'])), message: `required when \`${String(params['property'])}\` is set` };
    case 'enum':
      return { path: at, message: `must be one of ${(params['allowedValues'] as unknown[]).map(String).join(', ')}` };
    case 'const':
      return { path: at, message: `must be ${String(params['allowedValue'])}` };
    case 'type':
      return { path: at, message: TYPE_HINTS.get(lastKey(error.instancePath)) ?? `must be ${String(params['type'])}` };
    case 'pattern':
      return { path: at, message: PATTERN_RULES.get(String(params['pattern'])) ?? `invalid value (must match ${String(params['pattern'])})` };
    case 'minItems':
      return { path: at, message: Number(params['limit']) === 1 ? 'must not be empty' : `must have at least ${String(params['limit'])} items` };
    case 'maxItems':
      return { path: at, message: Number(params['limit']) === 0 ? 'must be empty' : `must have at most ${String(params['limit'])} items` };
    case 'minLength':
      return { path: at, message: Number(params['limit']) === 1 ? 'must not be empty' : `must be at least ${String(params['limit'])} characters` };
    case 'maxLength':
      return { path: at, message: `must be at most ${String(params['limit'])} characters` };
    default:
      return { path: at, message: error.message ?? error.keyword };
  }
}

const lastKey = (pointer: string): string => pointer.slice(pointer.lastIndexOf('/') + 1);

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const key = `${error.path}\0${error.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
