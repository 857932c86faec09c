/**
 * Kubernetes name and label syntax, checked exactly as the API server checks it. Mirrors (same regular expressions,
 * same length limits, same order of checks) kubernetes/kubernetes:
 * - staging/src/k8s.io/apimachinery/pkg/api/validate/content/dns.go: IsDNS1123Label, IsDNS1123Subdomain;
 * - staging/src/k8s.io/apimachinery/pkg/api/validate/content/kube.go: IsLabelKey (= IsQualifiedName), IsLabelValue;
 *   re-exported by staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go;
 * - staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go: ValidateAnnotations (keys are qualified names
 *   after lower-casing; keys plus values at most 256 KiB).
 * Lengths are counted in UTF-8 bytes, as Go's `len` does. Messages state the rule that failed and never the value:
 * the value is input, and input is not echoed.
 *
 * The patterns (src/validation/name-patterns.ts) are also in schemas/image-pull-secret.schema.json, so ajv and the CRD
 * enforce the same rules; the checks here are complete on their own and also cover what a pattern cannot say.
 */

import {
  ANNOTATIONS_MAX_BYTES,
  DNS1123_LABEL_MAX_LENGTH,
  DNS1123_LABEL_PATTERN,
  DNS1123_LABEL_RULE,
  DNS1123_SUBDOMAIN_MAX_LENGTH,
  DNS1123_SUBDOMAIN_PATTERN,
  DNS1123_SUBDOMAIN_RULE,
  LABEL_KEY_FMT,
  LABEL_KEY_NAME_MAX_LENGTH,
  LABEL_KEY_NAME_RULE,
  LABEL_KEY_RULE,
  LABEL_VALUE_MAX_LENGTH,
  LABEL_VALUE_PATTERN,
  LABEL_VALUE_RULE,
} from '../validation/name-patterns.js';

const dns1123Label = new RegExp(DNS1123_LABEL_PATTERN);
const dns1123Subdomain = new RegExp(DNS1123_SUBDOMAIN_PATTERN);
const labelKeyName = new RegExp(`^${LABEL_KEY_FMT}$`);
const labelValue = new RegExp(LABEL_VALUE_PATTERN);

const byteLength = (value: string): number => Buffer.byteLength(value, 'utf8');
const maxLengthError = (limit: number): string => `must be no more than ${limit} characters`;

/** IsDNS1123Label: namespace names. Empty when valid. */
export function dns1123LabelErrors(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) errors.push(maxLengthError(DNS1123_LABEL_MAX_LENGTH));
  if (!dns1123Label.test(value)) {
    // A valid subdomain that is not a valid label (length already checked) has dots.
    errors.push(dns1123Subdomain.test(value) ? 'must not contain dots' : DNS1123_LABEL_RULE);
  }
  return errors;
}

/** IsDNS1123Subdomain: Secret, ServiceAccount and custom resource names. Empty when valid. */
export function dns1123SubdomainErrors(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errors.push(maxLengthError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!dns1123Subdomain.test(value)) errors.push(DNS1123_SUBDOMAIN_RULE);
  return errors;
}

/** IsLabelKey (IsQualifiedName): label keys, selector keys. `[prefix/]name`, split on every `/`. Empty when valid. */
export function labelKeyErrors(value: string): string[] {
  const errors: string[] = [];
  const parts = value.split('/');
  if (parts.length > 2) return [LABEL_KEY_RULE];
  const name = parts.length === 1 ? parts[0]! : parts[1]!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix === '') errors.push('prefix part must be non-empty');
    else errors.push(...dns1123SubdomainErrors(prefix).map((error) => `prefix part ${error}`));
  }
  if (name === '') errors.push('name part must be non-empty');
  else if (byteLength(name) > LABEL_KEY_NAME_MAX_LENGTH) errors.push(`name part ${maxLengthError(LABEL_KEY_NAME_MAX_LENGTH)}`);
  if (!labelKeyName.test(name)) errors.push(`name part ${LABEL_KEY_NAME_RULE}`);
  return errors;
}

/** IsLabelValue. Empty when valid. */
export function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > LABEL_VALUE_MAX_LENGTH) errors.push(maxLengthError(LABEL_VALUE_MAX_LENGTH));
  if (!labelValue.test(value)) errors.push(LABEL_VALUE_RULE);
  return errors;
}

/**
 * ValidateAnnotations' key rule: a label key once lower-cased ("case doesn't matter"), so a prefix may have capitals.
 * Lower-cased as Go's strings.ToLower does it rune by rune: the only non-ASCII runes that become ASCII are the
 * Kelvin sign (to `k`) and the dotted capital I (to `i`, where JavaScript's toLowerCase would add a combining dot).
 */
export function annotationKeyErrors(key: string): string[] {
  return labelKeyErrors(goToLower(key));
}

function goToLower(value: string): string {
  let out = '';
  for (const char of value) {
    if (char >= 'A' && char <= 'Z') out += char.toLowerCase();
    else if (char === '\u212a') out += 'k';
    else if (char === '\u0130') out += 'i';
    else out += char; // any other rune stays outside the allowed characters whatever its case
  }
  return out;
}

/** ValidateAnnotationsSize: keys and values together, in bytes. */
export function annotationsSizeError(annotations: Readonly<Record<string, string>>): string | undefined {
  let total = 0;
  for (const [key, value] of Object.entries(annotations)) total += byteLength(key) + byteLength(value);
  return total > ANNOTATIONS_MAX_BYTES ? `keys and values must be no more than ${ANNOTATIONS_MAX_BYTES} bytes together` : undefined;
}

/** `excludeNamespaces`: a namespace name, or a glob of label characters plus `*` and `?`. Empty when valid. */
export function nameOrGlobErrors(value: string): string[] {
  if (!value.includes('*') && !value.includes('?')) return dns1123LabelErrors(value);
  const errors: string[] = [];
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) errors.push(maxLengthError(DNS1123_LABEL_MAX_LENGTH));
  if (!/^[-a-z0-9*?]*$/.test(value)) errors.push("a glob must consist of lower case alphanumeric characters, '-', '*' or '?'");
  return errors;
}
