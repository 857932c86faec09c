import type { AnnotationSelector, LabelSelector, TargetConfig } from '../generated/image-pull-secret.js';
import { joinPath, keySegment } from '../validation/field-path.js';
import { annotationKeyErrors, annotationsSizeError, labelKeyErrors } from './names.js';

/** A problem with one field; `path` is from the ImagePullSecret root (`spec.target.secret.labels["a/b"]`). */
export interface NameFieldError {
  readonly path: string;
  readonly message: string;
}

/**
 * The label and annotation key rules the schema cannot state (a label key's prefix length; annotation keys, which
 * are label keys once lower-cased; the total size of annotations), for a `spec.target` the schema has accepted.
 * Selectors with a key Kubernetes would refuse can never match anything: an empty render from them would read as
 * "no namespace wants this Secret" and prune every copy, so they are errors.
 */
export function targetNameErrors(target: TargetConfig): NameFieldError[] {
  const base = 'spec.target';
  const errors: NameFieldError[] = [];
  const secret = joinPath(base, 'secret');
  errors.push(...keyErrors(target.secret.labels, joinPath(secret, 'labels'), 'label key', labelKeyErrors));
  errors.push(...keyErrors(target.secret.annotations, joinPath(secret, 'annotations'), 'annotation key', annotationKeyErrors));
  const size = target.secret.annotations ? annotationsSizeError(target.secret.annotations) : undefined;
  if (size) errors.push({ path: joinPath(secret, 'annotations'), message: size });
  for (const group of ['namespaces', 'namespacesWithPods'] as const) {
    const selectors = target[group];
    const at = joinPath(base, group);
    (selectors?.labels ?? []).forEach((selector, index) => errors.push(...labelSelectorErrors(selector, `${at}.labels[${index}]`)));
    (selectors?.annotations ?? []).forEach((selector, index) =>
      errors.push(...annotationSelectorErrors(selector, `${at}.annotations[${index}]`)),
    );
  }
  return errors;
}

function labelSelectorErrors(selector: LabelSelector, at: string): NameFieldError[] {
  return [
    ...keyErrors(selector.matchLabels, joinPath(at, 'matchLabels'), 'label key', labelKeyErrors),
    ...(selector.matchExpressions ?? []).flatMap((requirement, index) =>
      labelKeyErrors(requirement.key).map((message) => ({ path: `${at}.matchExpressions[${index}].key`, message: `invalid label key: ${message}` })),
    ),
  ];
}

function annotationSelectorErrors(selector: AnnotationSelector, at: string): NameFieldError[] {
  return [
    ...keyErrors(selector.matchAnnotations, joinPath(at, 'matchAnnotations'), 'annotation key', annotationKeyErrors),
    ...(selector.matchExpressions ?? []).flatMap((requirement, index) =>
      annotationKeyErrors(requirement.key).map((message) => ({
        path: `${at}.matchExpressions[${index}].key`,
        message: `invalid annotation key: ${message}`,
      })),
    ),
  ];
}

function keyErrors(
  map: Readonly<Record<string, string>> | undefined,
  at: string,
  what: string,
  check: (key: string) => string[],
): NameFieldError[] {
  return Object.keys(map ?? {}).flatMap((key) =>
    check(key).map((message) => ({ path: joinPath(at, keySegment(key)), message: `invalid ${what}: ${message}` })),
  );
}
