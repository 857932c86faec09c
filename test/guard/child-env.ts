// Helpers to carry the loopback-only guard into child Node processes that
// tests spawn (CLIs, plugins): the guard is preloaded with `--import`.

import { fileURLToPath, pathToFileURL } from 'node:url';

/** Absolute path of the guard module. */
export const GUARD_PATH = fileURLToPath(new URL('./loopback-only.mjs', import.meta.url));

/**
 * The NODE_OPTIONS fragment that preloads the guard, e.g.
 * `--import=file:///abs/test/guard/loopback-only.mjs`. A file URL needs no
 * quoting even when the path has spaces.
 */
export function guardedNodeOptions(): string {
  return `--import=${pathToFileURL(GUARD_PATH).href}`;
}

/** `base` (default process.env) with the guard appended to NODE_OPTIONS, for spawn/execFile `env`. */
export function guardedEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const existing = base.NODE_OPTIONS?.trim();
  const guard = guardedNodeOptions();
  if (existing?.includes(guard)) return { ...base };
  return { ...base, NODE_OPTIONS: existing ? `${existing} ${guard}` : guard };
}
