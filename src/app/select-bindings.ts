import {
  ACR_PULL_BINDING_KIND,
  ACRPULL_API_VERSIONS,
  ACRPULL_V1BETA1,
  ACRPULL_V1BETA2,
  bindingImagePullSecret,
  translateBinding,
  type AcrPullBinding,
  type BindingDefaults,
  type BindingTarget,
} from '../core/acr-pull-binding.js';
import { dns1123LabelErrors, dns1123SubdomainErrors } from '../core/names.js';
import type { Problem, ResourceRef } from '../core/problems.js';
import { validateAcrPullBindingV1beta1, validateAcrPullBindingV1beta2 } from '../generated/validators.js';
import { isRecord } from '../core/records.js';
import type { InputDocument } from '../io/documents.js';
import { describeAjvErrors } from '../validation/ajv-errors.js';
import type { ImpsInput } from './pipeline-types.js';

// msi-acrpull's AcrPullBinding among the input documents: validated against its schema, then translated (pure, in
// core/acr-pull-binding.ts) into the ImagePullSecret-shaped input every face and the controller render.

const GROUPS = ['msi-acrpull.microsoft.com/', 'acrpull.microsoft.com/'];

/** Any AcrPullBinding of msi-acrpull's groups, served version or not (an unserved one is an error, not ignored). */
export function isAcrPullBindingLike(value: unknown): value is Record<string, unknown> {
  return (
    isRecord(value) &&
    value['kind'] === ACR_PULL_BINDING_KIND &&
    typeof value['apiVersion'] === 'string' &&
    GROUPS.some((group) => (value['apiVersion'] as string).startsWith(group))
  );
}

/** A valid binding: its translation, and the ImpsInput the pipeline renders. */
export interface BindingInputResult {
  readonly input: ImpsInput;
  readonly target: BindingTarget;
  readonly binding: AcrPullBinding;
}

/**
 * Validates one binding and translates it. `namespace` is where it lives when its metadata names none (render faces:
 * `default`). Problems name the binding, the file and the field.
 */
export function validateBinding(
  value: Record<string, unknown>,
  defaults: BindingDefaults,
  options: { readonly origin?: InputDocument['origin'] | undefined; readonly defaultNamespace?: string } = {},
): BindingInputResult | Problem[] {
  const metadata: Record<string, unknown> = isRecord(value['metadata']) ? value['metadata'] : {};
  const rawName = metadata['name'];
  const rawNamespace = metadata['namespace'];
  const namespace = typeof rawNamespace === 'string' && dns1123LabelErrors(rawNamespace).length === 0 ? rawNamespace : (options.defaultNamespace ?? 'default');
  // An invalid name is input that may be anything: it is named by its rule, not repeated.
  const name = typeof rawName !== 'string' ? '<unnamed>' : dns1123SubdomainErrors(rawName).length > 0 ? '<invalid name>' : rawName;
  const resource: ResourceRef = { apiVersion: String(value['apiVersion']), kind: ACR_PULL_BINDING_KIND, name, namespace };
  const fail = (errors: readonly { path: string; message: string }[]): Problem[] =>
    errors.map((error) => ({ severity: 'error', resource, file: options.origin, field: error.path, message: error.message }));

  if (!ACRPULL_API_VERSIONS.includes(String(value['apiVersion']))) {
    return fail([{ path: 'apiVersion', message: `not served by msi-acrpull: use ${ACRPULL_V1BETA1} or ${ACRPULL_V1BETA2}` }]);
  }
  const v1 = value['apiVersion'] === ACRPULL_V1BETA1;
  const valid = v1 ? validateAcrPullBindingV1beta1(value) : validateAcrPullBindingV1beta2(value);
  if (!valid) return fail(describeAjvErrors(v1 ? validateAcrPullBindingV1beta1.errors : validateAcrPullBindingV1beta2.errors));
  const binding = value as unknown as AcrPullBinding;
  const translated = translateBinding(binding, namespace, defaults);
  if ('errors' in translated) return fail(translated.errors);
  const { target } = translated;
  return {
    binding,
    target,
    input: {
      imps: bindingImagePullSecret(target),
      origin: options.origin,
      binding: { resource, source: target.source, warnings: target.warnings },
    },
  };
}

/** Every AcrPullBinding among the documents; the same binding twice (version, namespace, name) is an error. */
export function selectAcrPullBindings(
  documents: readonly InputDocument[],
  defaults: BindingDefaults,
  /** Where a binding that names no namespace lives: `default`, Argo CD's destination namespace, or the person's choice. */
  defaultNamespace = 'default',
): { inputs: ImpsInput[]; problems: Problem[] } {
  const inputs: ImpsInput[] = [];
  const problems: Problem[] = [];
  const seen = new Map<string, ImpsInput>();
  for (const document of documents) {
    if (!isAcrPullBindingLike(document.value)) continue;
    const result = validateBinding(document.value, defaults, { origin: document.origin, defaultNamespace });
    if (Array.isArray(result)) {
      problems.push(...result);
      continue;
    }
    const key = result.target.ownerName;
    const previous = seen.get(key);
    if (previous) {
      problems.push({
        severity: 'error',
        resource: result.input.binding!.resource,
        file: result.input.origin,
        message: `defined twice (also in ${previous.origin?.path ?? 'the input'})`,
      });
      continue;
    }
    seen.set(key, result.input);
    inputs.push(result.input);
  }
  return { inputs, problems };
}
