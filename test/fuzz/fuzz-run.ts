// How the fuzz properties run: a few hundred inputs per entry point in `npm test` (seconds each), as many as
// FUZZ_RUNS says locally (FUZZ_RUNS=20000 npx vitest run test/fuzz). fast-check prints the seed and path of a failure
// ("{ seed: 123, path: "4:2" }"); FUZZ_SEED=123 FUZZ_PATH=4:2 replays exactly that input, shrunk.
// FUZZ_REPORT=file appends one JSON line per property (inputs tried, exit codes, worst time) for the long runs' figures.
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';

const env = process.env;
const seed = env['FUZZ_SEED'] === undefined ? undefined : Number(env['FUZZ_SEED']);

/** Inputs per property: `defaultRuns` unless FUZZ_RUNS is set (scaled by `weight`: slower entry points run fewer). */
export function runsFor(defaultRuns: number, weight = 1): number {
  const asked = env['FUZZ_RUNS'];
  if (asked === undefined) return defaultRuns;
  return Math.max(1, Math.round(Number(asked) * weight));
}

/** Whether a long run was asked for (more inputs, a bigger time budget per input). */
export const LONG_RUN = env['FUZZ_RUNS'] !== undefined;

/** The time after which one input counts as a hang. */
export const HANG_MS = 60_000;

/** vitest's budget for a property of `runs` inputs at up to `perInputMs` each, with room for a loaded machine. */
export function testTimeout(defaultRuns: number, perInputMs: number, weight = 1): number {
  return Math.max(120_000, runsFor(defaultRuns, weight) * perInputMs * 4);
}

/** What one property saw, for the report of a long run. */
export class FuzzStats {
  readonly exits = new Map<string, number>();
  tried = 0;
  worstMs = 0;
  maxPeakMiB = 0;

  constructor(readonly name: string) {}

  record(outcome: string, ms: number, peakMiB?: number): void {
    this.tried++;
    this.exits.set(outcome, (this.exits.get(outcome) ?? 0) + 1);
    this.worstMs = Math.max(this.worstMs, ms);
    if (peakMiB !== undefined && Number.isFinite(peakMiB)) this.maxPeakMiB = Math.max(this.maxPeakMiB, peakMiB);
  }

  /** Appends this property's figures to FUZZ_REPORT, when set. */
  flush(): void {
    const file = env['FUZZ_REPORT'];
    if (!file) return;
    const line = { property: this.name, tried: this.tried, exits: Object.fromEntries(this.exits), worstMs: Math.round(this.worstMs), maxPeakMiB: Math.round(this.maxPeakMiB) };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }
}

/**
 * fc.assert with the run count, the replay seed and path from the environment, and a per-input time budget that
 * only catches a hang (a loaded 2-core CI machine makes anything finer flaky). Async properties only.
 */
export async function fuzz<T>(stats: FuzzStats, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>, defaultRuns: number, weight = 1): Promise<void> {
  try {
    await fc.assert(fc.asyncProperty(arbitrary, predicate), {
      numRuns: runsFor(defaultRuns, weight),
      ...(seed === undefined ? {} : { seed, path: env['FUZZ_PATH'] }),
      // One input that takes this long is a hang, not a slow machine: every bound the reader has is seconds at most.
      timeout: HANG_MS,
    });
  } finally {
    stats.flush();
  }
}
