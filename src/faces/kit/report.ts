import { formatProblem, isError, type Problem } from '../../core/problems.js';
import type { Redactor } from '../../core/redaction.js';
import { oneLine } from '../../core/text.js';

/**
 * Writes one stderr line per problem (info stays in machine-readable results only: KRM `results`) and says whether
 * any was an error. Every face reports through here, so every line passes the run's redactor.
 */
export function reportProblems(stderr: NodeJS.WritableStream, problems: readonly Problem[], redactor?: Redactor): boolean {
  for (const problem of problems) {
    if (problem.severity === 'info') continue;
    const line = formatProblem(problem);
    // Redacted as written (a credential is matched as it is), then made one line that acts on no terminal.
    stderr.write(`${oneLine(redactor ? redactor.redact(line) : line)}\n`);
  }
  return problems.some(isError);
}
