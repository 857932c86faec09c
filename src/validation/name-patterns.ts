/**
 * The Kubernetes name and label patterns and their rules in words: one place for the schema's patterns (a test keeps
 * schemas/image-pull-secret.schema.json equal to these), the messages ajv errors are turned into, and the checks in
 * src/core/names.ts. Regular expressions and limits are those of kubernetes/kubernetes
 * staging/src/k8s.io/apimachinery/pkg/api/validate/content/{dns,kube}.go; the rule texts follow its messages.
 */

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
export const LABEL_KEY_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`;

export const DNS1123_LABEL_MAX_LENGTH = 63;
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
export const LABEL_KEY_NAME_MAX_LENGTH = 63;
export const LABEL_VALUE_MAX_LENGTH = 63;
/** The longest label key: a longest prefix, `/`, a longest name. */
export const LABEL_KEY_MAX_LENGTH = DNS1123_SUBDOMAIN_MAX_LENGTH + 1 + LABEL_KEY_NAME_MAX_LENGTH;
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;

export const DNS1123_LABEL_PATTERN = `^${DNS1123_LABEL_FMT}$`;
export const DNS1123_SUBDOMAIN_PATTERN = `^${DNS1123_SUBDOMAIN_FMT}$`;
export const LABEL_VALUE_PATTERN = `^${LABEL_VALUE_FMT}$`;
/**
 * A label key in one pattern: an optional subdomain prefix and `/`, then a name whose length (1 to 63) is spelled by
 * the quantifier. The prefix's 253 characters cannot be said in a pattern: `labelKeyErrors` checks them.
 */
export const LABEL_KEY_PATTERN = `^(${DNS1123_SUBDOMAIN_FMT}/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`;
/**
 * `excludeNamespaces` entries: a namespace name (a DNS-1123 label), or a glob made of label characters with at least
 * one `*` or `?`; both at most 63 characters. The glob branch starts with a class that has no wildcard, so the first
 * `*` or `?` is found without backtracking: patterns must stay linear on long input (ajv runs them whatever the length).
 */
export const NAME_OR_GLOB_PATTERN = `^(${DNS1123_LABEL_FMT}|[-a-z0-9]*[*?][-a-z0-9*?]*)$`;

/**
 * A repository path in a registry (spec.target.repositoryCredentials `path`): components of lower case alphanumeric
 * characters separated by `/`, with `.`, `_` or `-` runs only between alphanumeric ones (the OCI distribution spec's
 * repository name components). Separators and alphanumeric runs alternate, so the pattern is linear.
 */
export const REPOSITORY_PATH_PATTERN = '^[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$';
export const REPOSITORY_PATH_RULE =
  "must be lower case alphanumeric components separated by '/', with '.', '_' or '-' only between alphanumeric characters";

export const DNS1123_LABEL_RULE =
  "must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
export const DNS1123_SUBDOMAIN_RULE =
  "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
export const LABEL_KEY_NAME_RULE = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
export const LABEL_KEY_RULE = `${LABEL_KEY_NAME_RULE}, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`;
export const LABEL_VALUE_RULE = `must be empty or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;

