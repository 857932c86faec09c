// Process warnings emitted while a token provider runs (an SDK's process.emitWarning, or its console.warn routed
// there) belong to that source's problem: they are held in a scope and folded into the source's one problem line
// ("one line per problem", issue 9), instead of reaching stderr as lines of their own, which would also break the
// controller's JSON lines. When the provider succeeds, what it emitted is handed back to the process's warning
// policy unchanged (src/cli/warning-policy.ts): a warning on a path that works is still a bug to fix at its cause,
// and test/e2e/no-warnings.test.ts must still see it. The controller takes them as JSON log lines instead
// (`releaseWarningsTo`).
//
// One scope store per process, on globalThis: the main bundle and the lazily loaded provider chunks each carry their
// own copy of this module (scripts/build.mjs), and they must see the same scopes. AsyncLocalStorage ties a warning to
// the call whose asynchronous work emitted it, so sources fetched in parallel keep their own warnings apart. It is
// loaded with the first scope: a run that mints no cloud token (most KRM function runs) never loads async_hooks.
import type { AsyncLocalStorage } from 'node:async_hooks';

export interface HeldWarning {
  readonly type: string;
  readonly code: string | undefined;
  readonly message: string;
  /** The arguments process.emitWarning received, to hand the warning back unchanged. */
  readonly args: readonly unknown[];
}

interface Hub {
  /** Created by the first scope. */
  scopes?: AsyncLocalStorage<HeldWarning[]>;
  /** Where the warnings of a provider call that succeeded go; unset: process.emitWarning, i.e. the CLI policy. */
  release?: (warning: HeldWarning) => void;
  /** Whether process.emitWarning already routes scoped warnings here (the CLI policy does; else `ensureHook`). */
  hooked: boolean;
}

const HUB = Symbol.for('imps-krm.warning-scope');

function hub(): Hub {
  const holder = globalThis as { [HUB]?: Hub };
  holder[HUB] ??= { hooked: false };
  return holder[HUB];
}

/** emitWarning(warning[, type[, code]][, ctor]) or emitWarning(warning[, {type, code, detail}]), normalised. */
export function normaliseWarning(warning: unknown, rest: readonly unknown[]): HeldWarning {
  const [second, third] = rest;
  const options = typeof second === 'object' && second !== null ? (second as { type?: unknown; code?: unknown }) : undefined;
  const typeArgument = typeof second === 'string' ? second : typeof options?.type === 'string' ? options.type : undefined;
  const codeArgument = typeof second === 'string' && typeof third === 'string' ? third : typeof options?.code === 'string' ? options.code : undefined;
  const args = [warning, ...rest];
  if (warning instanceof Error) {
    const code = (warning as { code?: unknown }).code;
    return { type: warning.name, code: typeof code === 'string' ? code : codeArgument, message: warning.message, args };
  }
  return { type: typeArgument ?? 'Warning', code: codeArgument, message: String(warning), args };
}

/**
 * Holds `warning` in the current scope and returns true, or returns false outside any scope. The process's
 * emitWarning wrapper calls this first (the CLI warning policy, or `ensureHook` where there is none).
 */
export function holdInScope(warning: HeldWarning): boolean {
  const scope = hub().scopes?.getStore();
  if (!scope) return false;
  scope.push(warning);
  return true;
}

/** Called by a process-wide emitWarning wrapper that calls `holdInScope` itself. */
export function markWarningHookInstalled(): void {
  hub().hooked = true;
}

/** Without the CLI (tests, a library use), a minimal wrapper so scopes still hold what is emitted inside them. */
function ensureHook(): void {
  const state = hub();
  if (state.hooked) return;
  state.hooked = true;
  const original = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]): void {
    if (holdInScope(normaliseWarning(warning, rest))) return;
    Reflect.apply(original, this, [warning, ...rest]);
  } as typeof process.emitWarning;
}

export type Scoped<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown; readonly warnings: readonly HeldWarning[] };

/**
 * Runs `work` in a scope. On success, the warnings it emitted are emitted again outside the scope (the process's
 * policy decides, as if nothing had held them); on failure they are returned with the error, for its problem line.
 */
export async function withWarningScope<T>(work: () => Promise<T>): Promise<Scoped<T>> {
  ensureHook();
  const state = hub();
  if (!state.scopes) {
    const { AsyncLocalStorage: Storage } = await import('node:async_hooks');
    state.scopes ??= new Storage<HeldWarning[]>();
  }
  const scopes = state.scopes;
  const held: HeldWarning[] = [];
  try {
    const value = await scopes.run(held, work);
    for (const warning of held) {
      if (state.release) state.release(warning);
      else Reflect.apply(process.emitWarning, process, warning.args);
    }
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error, warnings: held };
  }
}

/**
 * Where the warnings of successful provider calls go instead of process.emitWarning: the controller logs them as
 * JSON lines (its stderr is JSON lines only). Returns the undo.
 */
export function releaseWarningsTo(release: (warning: HeldWarning) => void): () => void {
  const state = hub();
  const previous = state.release;
  state.release = release;
  return () => {
    state.release = previous;
  };
}

/** `type: message` of each distinct warning (a retried call emits its warning again), on one line. */
export function foldWarnings(warnings: readonly HeldWarning[]): string {
  return [...new Set(warnings.map((warning) => `${warning.type}${warning.code ? ` [${warning.code}]` : ''}: ${oneLine(warning.message)}`))].join('; ');
}

function oneLine(text: string): string {
  const line = text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
