/** The resource a problem is about, as KRM results name it. */
export interface ResourceRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string | undefined;
}

/** A problem found while rendering: becomes a stderr line, a KRM result, an Event or a status entry. */
export interface Problem {
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
  readonly resource?: ResourceRef | undefined;
  /** Dotted field path inside `resource`, e.g. `spec.target.secret.name`. */
  readonly field?: string | undefined;
  /** Where `resource` was read from, when it came from a file. */
  readonly file?: { readonly path: string; readonly index?: number | undefined } | undefined;
  /** `<namespace>.<name>` of the source credential involved. */
  readonly source?: string | undefined;
}

export const isError = (problem: Problem): boolean => problem.severity === 'error';

/** One line for people: `error: ImagePullSecret/imps (imps.yaml): spec.target.secret.name: required`. */
export function formatProblem(problem: Problem): string {
  const parts: string[] = [];
  if (problem.resource) {
    const name = problem.resource.namespace ? `${problem.resource.namespace}/${problem.resource.name}` : problem.resource.name;
    parts.push(`${problem.resource.kind}/${name}${problem.file ? ` (${formatFile(problem.file)})` : ''}`);
  } else if (problem.file) {
    parts.push(formatFile(problem.file));
  }
  if (problem.source) parts.push(`source ${problem.source}`);
  if (problem.field) parts.push(problem.field);
  parts.push(problem.message);
  return `${problem.severity}: ${parts.join(': ')}`;
}

function formatFile(file: { readonly path: string; readonly index?: number | undefined }): string {
  return file.index ? `${file.path}#${file.index}` : file.path;
}

/** The message of anything thrown: an Error's message, else the value as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
