import type { Problem } from '../../core/problems.js';

/** A KRM Functions Specification result. `severity` is always set: the spec defaults a missing one to error. */
export interface KrmResult {
  message: string;
  severity: Problem['severity'];
  resourceRef?: { apiVersion: string; kind: string; name: string; namespace?: string };
  field?: { path: string };
  file?: { path: string; index?: number };
  tags?: Record<string, string>;
}

/** Paths we made up for items with no path annotation (`<items[2]>`): not files, so never sent as `file`. */
export const isSyntheticPath = (path: string): boolean => path.startsWith('<');

/**
 * One result per problem. The spec only allows `field` next to a `resourceRef`; `file.path` must be a real
 * relative path, so made-up origins stay out.
 */
export function toResult(problem: Problem): KrmResult {
  const result: KrmResult = {
    message: [
      problem.source ? `source ${problem.source}` : undefined,
      // Without a resourceRef the spec has no place for the field: keep it in the words.
      problem.field && !problem.resource ? problem.field : undefined,
      problem.message,
    ]
      .filter(Boolean)
      .join(': '),
    severity: problem.severity,
  };
  if (problem.resource) {
    const { apiVersion, kind, name, namespace } = problem.resource;
    result.resourceRef = { apiVersion, kind, name, ...(namespace ? { namespace } : {}) };
    if (problem.field) result.field = { path: problem.field };
  }
  if (problem.file && !isSyntheticPath(problem.file.path)) {
    result.file = { path: problem.file.path, ...(problem.file.index ? { index: problem.file.index } : {}) };
  }
  if (problem.source) result.tags = { source: problem.source };
  return result;
}
