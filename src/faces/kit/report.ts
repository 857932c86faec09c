import { formatProblem, isError, type Problem } from '../../core/problems.js';
import type { Redactor } from '../../core/redaction.js';

/**
 * Writes one stderr line per problem (info stays in machine-readable results only: KRM `results`) and says whether
 * any was an error. Every face reports through here, so every line passes the run's redactor.
 */
export function reportProblems(stderr: NodeJS.WritableStream, problems: readonly Problem[], redactor?: Redactor): boolean {
  for (const problem of problems) {
    if (problem.severity === 'info') continue;
    const line = formatProblem(problem);
    stderr.write(`${redactor ? redactor.redact(line) : line}\n`);
  }
  return problems.some(isError);
}
