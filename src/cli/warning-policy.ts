// Process-wide warning policy of the CLI: the ONE place that decides what happens to process warnings (bin.ts
// installs it before any command runs). stdout is data and stderr is one line per problem; Node prints a warning
// as two lines of its own format (`(node:PID) [CODE] Type: ...` and a `--trace-warnings` hint).
//
// 1. imps-krm emits no warning, and a warning from a dependency is a bug fixed at its cause (lift the dependency,
//    configure it, stop calling the deprecated API). test/e2e/no-warnings.test.ts runs every face of the built CLI
//    on the Node line under test and fails on any warning line; nothing here hides a warning from it.
// 2. A warning we understand and that tells the user something is folded into one problem line of ours (a `Fold`),
//    instead of Node's two lines. SDK-specific folds (MetadataLookupWarning and the like) belong in `FOLDS`.
// 3. A warning emitted while a token provider runs is held for that source's problem line (src/io/warning-scope.ts:
//    folded into it when the source fails, handed back here unchanged when it succeeds).
// 4. Every other warning goes to Node unchanged, so the operator's own switches keep working: --no-warnings,
//    --disable-warning=CODE, --redirect-warnings=FILE, NODE_NO_WARNINGS=1, --trace-warnings.
//
// How: by wrapping process.emitWarning, the documented function through which dependencies (the AWS SDK,
// gcp-metadata, ...) and Node's own runtime deprecations emit. Not by detaching Node's printer
// (`process.removeAllListeners('warning')`: relies on the printer being a listener, also drops the operator's
// --redirect-warnings, and silences every warning we do not know about), and not with `--no-warnings` in the
// shebang (`#!/usr/bin/env -S node ...` needs `env -S`, absent from busybox and distroless, and a `node dist/cli.js`
// or `node /custom-tools/imps-krm` invocation never reads the shebang).

import { holdInScope, markWarningHookInstalled, normaliseWarning } from '../io/warning-scope.js';

/** A warning as process.emitWarning received it, normalised. */
export interface EmittedWarning {
  readonly type: string;
  readonly code: string | undefined;
  readonly message: string;
}

/** Turns one kind of warning into a problem line (without the trailing newline), or leaves it to Node (undefined). */
export type Fold = (warning: EmittedWarning) => string | undefined;

/** Warnings with a known meaning for the user. None is emitted on the supported Node lines today. */
export const FOLDS: readonly Fold[] = [];

type EmitWarning = typeof process.emitWarning;

/** Installs the policy on `target` (the process); returns a function that restores the original emitWarning. */
export function installWarningPolicy(
  folds: readonly Fold[] = FOLDS,
  write: (line: string) => void = (line) => process.stderr.write(line),
  target: { emitWarning: EmitWarning } = process,
): () => void {
  const original = target.emitWarning;
  const folded = new Set<string>();
  const emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]): void {
    const held = normaliseWarning(warning, rest);
    if (holdInScope(held)) return;
    const normalised: EmittedWarning = { type: held.type, code: held.code, message: held.message };
    for (const fold of folds) {
      const line = fold(normalised);
      if (line === undefined) continue;
      // Once per process, as Node does for deprecations.
      if (!folded.has(line)) write(`${line}\n`);
      folded.add(line);
      return;
    }
    Reflect.apply(original, this, [warning, ...rest]);
  } as EmitWarning;
  target.emitWarning = emitWarning;
  if (target === process) markWarningHookInstalled();
  return () => {
    target.emitWarning = original;
  };
}
