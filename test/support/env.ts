/**
 * Sets process.env for the settings a cloud SDK reads on its own (credential chains, metadata servers), and returns
 * the undo. Our own settings never need it: providers take them as input (`cloudTokenProvider(env)`).
 * `undefined` deletes a variable.
 */
export function withEnv(env: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(env);
  return () => apply(saved);
}

/** Runs `work` with `env` set, and restores the environment however it ends. */
export async function inEnv<T>(env: Record<string, string | undefined>, work: () => Promise<T>): Promise<T> {
  const undo = withEnv(env);
  try {
    return await work();
  } finally {
    undo();
  }
}

/** A copy of `base` with `overrides` applied (`undefined` deletes): an environment to hand a command, not to set. */
export function envWith(base: NodeJS.ProcessEnv, ...overrides: ReadonlyArray<Record<string, string | undefined>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const [key, value] of overrides.flatMap((override) => Object.entries(override))) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}
