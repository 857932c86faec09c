import { getControllerExplanation } from '../adapters/controller-explain-client.js';
import { errorMessage, type Problem } from '../core/problems.js';
import type { Explanation } from '../generated/explanation.js';
import { validateExplanation } from '../generated/validators.js';
import { describeAjvErrors } from '../validation/ajv-errors.js';
import type { ExplainOptions } from './explain-targets.js';

/** The query `/explain` takes: the same choices as the command line (the controller decides consent its own way). */
export function explainQuery(options: Pick<ExplainOptions, 'namespaces' | 'all'>): URLSearchParams {
  const query = new URLSearchParams();
  for (const namespace of options.namespaces ?? []) query.append('namespace', namespace);
  if (options.all) query.set('all', 'true');
  return query;
}

/**
 * `explain --controller URL`: what the running controller sees, from its caches. The answer is checked against
 * schemas/explanation.schema.json before anything of it is printed: the URL may reach something that is not a
 * controller, and a table must not carry control characters to a terminal.
 */
export async function controllerExplanation(
  base: URL,
  options: Pick<ExplainOptions, 'namespaces' | 'all'>,
): Promise<{ readonly explanation: Explanation } | { readonly problems: readonly Problem[] }> {
  const where = `controller ${base.origin}`;
  const failed = (message: string): { problems: Problem[] } => ({ problems: [{ severity: 'error', message: `${where}: ${message}` }] });
  let answer;
  try {
    answer = await getControllerExplanation(base, explainQuery(options));
  } catch (error) {
    return failed(`${errorMessage(error)} (is \`kubectl port-forward\` running?)`);
  }
  if (answer.status !== 200) return failed(`HTTP ${answer.status}${answer.type.startsWith('text/plain') ? shortLine(answer.body) : ''}`);
  let value: unknown;
  try {
    value = JSON.parse(answer.body);
  } catch {
    return failed('the answer is not JSON');
  }
  if (!validateExplanation(value)) {
    const first = describeAjvErrors(validateExplanation.errors)[0];
    return failed(`the answer is not an Explanation${first ? ` (${first.path}: ${first.message})` : ''}`);
  }
  return { explanation: value };
}

/** The controller's own one-line plain-text refusals (`not leading`, `caches not synced`) are worth showing; nothing else is. */
function shortLine(body: string): string {
  const line = body.trim();
  return line.length > 0 && line.length <= 200 && /^[\x20-\x7e]+$/.test(line) ? `: ${line}` : '';
}
