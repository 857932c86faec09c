import { inlineSpecErrors } from '../core/inline-sources.js';
import { dns1123SubdomainErrors } from '../core/names.js';
import type { ImpsInput } from '../core/outcome.js';
import type { Problem } from '../core/problems.js';
import { isRecord } from '../core/records.js';
import { repositoryCredentialSpecErrors } from '../core/repository-credentials.js';
import { targetNameErrors } from '../core/target-names.js';
import { validateImagePullSecret } from '../generated/validators.js';
import type { InputDocument } from '../io/documents.js';
import { describeAjvErrors } from '../validation/ajv-errors.js';

export const IMPS_GROUP = 'images.banzaicloud.io';
export const IMPS_API_VERSION = `${IMPS_GROUP}/v1alpha1`;

export function isImagePullSecretLike(value: unknown): value is Record<string, unknown> {
  return (
    isRecord(value) &&
    value['kind'] === 'ImagePullSecret' &&
    typeof value['apiVersion'] === 'string' &&
    value['apiVersion'].startsWith(`${IMPS_GROUP}/`)
  );
}

/** Validates one ImagePullSecret; problems name the resource, the file and the field path. */
export function validateImps(value: Record<string, unknown>, origin?: InputDocument['origin']): ImpsInput | Problem[] {
  const valid = validateImagePullSecret(value);
  // Inline sources are checked here, not when rendering: a credential written into a CR, or a config that cannot
  // parse, is a fault of the spec that needs no cluster to find, and the controller reports it as InvalidSpec.
  // Key rules a schema cannot state (label key prefix length, annotation keys) are checked once the schema holds.
  const errors = valid
    ? [
        ...inlineSpecErrors(value.spec.registry.inline),
        ...targetNameErrors(value.spec.target),
        ...repositoryCredentialSpecErrors(value).map((error) => ({ path: error.field, message: error.message })),
      ]
    : describeAjvErrors(validateImagePullSecret.errors);
  if (valid && errors.length === 0) return { imps: value, origin };
  const metadata: Record<string, unknown> = isRecord(value['metadata']) ? value['metadata'] : {};
  // An invalid name is input that may be anything (long, a pasted secret): it is named by its rule, not repeated.
  const raw = metadata['name'];
  const name = typeof raw !== 'string' ? '<unnamed>' : dns1123SubdomainErrors(raw).length > 0 ? '<invalid name>' : raw;
  const resource = { apiVersion: String(value['apiVersion']), kind: 'ImagePullSecret', name };
  return errors.map((error) => ({
    severity: 'error' as const,
    resource,
    file: origin,
    field: error.path,
    message: error.message,
  }));
}

/** Every ImagePullSecret among the documents, validated; duplicates by name are an error. */
export function selectImagePullSecrets(documents: readonly InputDocument[]): { inputs: ImpsInput[]; problems: Problem[] } {
  const inputs: ImpsInput[] = [];
  const problems: Problem[] = [];
  const seen = new Map<string, ImpsInput>();
  for (const document of documents) {
    if (!isImagePullSecretLike(document.value)) continue;
    const result = validateImps(document.value, document.origin);
    if (Array.isArray(result)) {
      problems.push(...result);
      continue;
    }
    const previous = seen.get(result.imps.metadata.name);
    if (previous) {
      problems.push({
        severity: 'error',
        resource: { apiVersion: IMPS_API_VERSION, kind: 'ImagePullSecret', name: result.imps.metadata.name },
        file: result.origin,
        message: `defined twice (also in ${previous.origin?.path ?? 'the input'})`,
      });
      continue;
    }
    seen.set(result.imps.metadata.name, result);
    inputs.push(result);
  }
  return { inputs, problems };
}
