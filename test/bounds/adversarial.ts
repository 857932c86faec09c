// The inputs that make a backtracking matcher slow, shared by the linear-time test (runs them) and
// bench/linear-time.bench.ts (times them at two sizes).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every `pattern` in schemas/: ajv runs each on input. */
export function schemaPatterns(): string[] {
  const dir = join(import.meta.dirname, '..', '..', 'schemas');
  const patterns = new Set<string>();
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'pattern' && typeof inner === 'string') patterns.add(inner);
        else collect(inner);
      }
    }
  };
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.json'))) collect(JSON.parse(readFileSync(join(dir, file), 'utf8')));
  return [...patterns];
}

/** Worst inputs for a pattern: long runs of each character its classes accept, then one it does not. */
export function adversarial(size: number): string[] {
  const runs = ['a', '0', '-', '.', '/', ':', '_', ',', ' ', 'a-', 'a.', 'a/', 'a:', '-a', 'a,', 'repository:a:a ', '1', 'aa-docker', '-docker.pkg.dev'];
  return runs.flatMap((run) => [run.repeat(Math.ceil(size / run.length)), `a${run.repeat(Math.ceil(size / run.length))}!`, `https://${run.repeat(Math.ceil(size / run.length))}\n`]);
}

/** A registry key behind a long run of slashes: /\/+$/ took 10 s on 80,000 of them. */
export const slashRun = (count: number): string => `ghcr.io${'/'.repeat(count)}x`;
