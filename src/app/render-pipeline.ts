import { assemble } from '../core/assemble.js';
import type { ImpsInput, ImpsOutcome } from '../core/outcome.js';
import { errorMessage, type Problem } from '../core/problems.js';
import { Redactor } from '../core/redaction.js';
import type { RenderPorts } from './pipeline-types.js';
import { resolve } from './resolve.js';

export type { FileOrigin, ImpsInput, RenderConsent, RenderPorts } from './pipeline-types.js';
export type { ImpsOutcome, SourceOutcome, SourceState } from '../core/outcome.js';
// Named in core/ now; re-exported for the importers that know them from here.

export interface PipelineResult {
  readonly outcomes: readonly ImpsOutcome[];
  /** Every problem, per ImagePullSecret and global (cluster unreachable, duplicate targets). */
  readonly problems: readonly Problem[];
}

/**
 * Every face's render: resolve (app/resolve.ts: the cluster and the token providers, through the ports), then
 * assemble (core/assemble.ts: pure). Messages pass the redactor, which resolution taught every credential it saw.
 */
export async function runRenderPipeline(inputs: readonly ImpsInput[], ports: RenderPorts): Promise<PipelineResult> {
  const redactor = ports.redactor ?? new Redactor();
  const output = ports.output ?? 'secrets';
  const consent = ports.consent ?? {};
  let facts;
  try {
    facts = await resolve(
      inputs,
      { cluster: ports.cluster, tokens: ports.tokens, consent, output, redactor },
    );
  } catch (error) {
    const message = redactor.redact(errorMessage(error));
    return { outcomes: [], problems: [{ severity: 'error', message: `${ports.cluster.description}: ${message}` }] };
  }
  const { outcomes, problems } = assemble(inputs, facts, { output, consent });
  return { outcomes, problems: problems.map((problem) => ({ ...problem, message: redactor.redact(problem.message) })) };
}
