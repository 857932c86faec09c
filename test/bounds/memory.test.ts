// The limits keep `cmp generate` well under the Argo CD sidecar's 256Mi (argocd-cmp/repo-server-patch.yaml), which
// also holds argocd-cmp-server itself: the most expensive inputs the limits admit (test/bounds/worst-inputs.ts) run
// through the BUILT CLI, with the image's V8 settings, and must peak below 192 MiB; one unit more must be refused
// with one line and exit 1.
// Peak RSS comes from /usr/bin/time: a child's own getrusage() counts the memory of the (large) test process it was
// forked from, because Linux keeps the peak across exec.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/io/limits.js';
import { BUILT_CLI } from '../e2e/cli-on-path.js';
import { guardedEnv } from '../guard/child-env.js';
import { worstInputs, type WorstInput } from './worst-inputs.js';

const TIME = '/usr/bin/time';
/** The V8 settings the image runs every face with (the Dockerfile's ENV NODE_OPTIONS): what ships is what is measured. */
const IMAGE_NODE_OPTIONS = /^ENV NODE_OPTIONS="?([^"\n]+)"?$/m.exec(readFileSync(join(import.meta.dirname, '..', '..', 'Dockerfile'), 'utf8'))?.[1] ?? '';
const CEILING_MIB = 192;
it('reads the image\'s V8 settings from the Dockerfile', () => expect(IMAGE_NODE_OPTIONS).toMatch(/^--max-semi-space-size=\d+ --max-old-space-size=\d+$/));
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function writeApp(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'imps-krm-memory-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

function cmpGenerate(dir: string): Promise<{ code: number; stdout: string; stderr: string; peakMiB: number }> {
  return new Promise((done) => {
    execFile(
      TIME,
      ['-f', '__peak_kb=%M', process.execPath, BUILT_CLI, 'cmp', 'generate'],
      { cwd: dir, env: guardedEnv({ PATH: process.env['PATH'], HOME: dir, ARGOCD_ENV_CLUSTER: 'input', NODE_OPTIONS: IMAGE_NODE_OPTIONS }), maxBuffer: 64 << 20, timeout: 60_000 },
      (error, stdout, stderr) => {
        const peak = /__peak_kb=(\d+)/.exec(stderr);
        done({
          code: error ? Number(error.code ?? -1) : 0,
          stdout,
          stderr: stderr.replace(/(Command exited with non-zero status \d+\n)?__peak_kb=\d+\n?/, ''),
          peakMiB: peak ? Number(peak[1]) / 1024 : Number.NaN,
        });
      },
    );
  });
}

// The costliest shapes of bench/input-bounds.bench.ts (all of them are measured there): the per-document token bound
// (deep, flow-ints, flow-empty: a document at the bound and a second one with the rest of the run's tokens) and the
// per-value byte bound (double-quoted).
const SHAPES = ['deep', 'flow-ints', 'flow-empty', 'double-quoted'];

describe.runIf(existsSync(TIME))(`cmp generate at the limits peaks under ${CEILING_MIB} MiB`, () => {
  for (const name of SHAPES) {
    it(name, async () => {
      const [input] = worstInputs(LIMITS, name) as [WorstInput];
      const result = await cmpGenerate(writeApp(input.files));
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('name: regcred');
      expect(result.peakMiB).toBeLessThan(CEILING_MIB);
    }, 120_000);
  }

  it('a document larger than the per-document bound is refused with one line naming the file, before it costs memory', async () => {
    const [input] = worstInputs({ ...LIMITS, documentTokens: LIMITS.documentTokens + 2000 }, 'flow-ints') as [WorstInput];
    const result = await cmpGenerate(writeApp(input.files));
    expect(result.stderr).toMatch(/^error: bulk\.yaml: too large at line \d+, column \d+: a document has more than 160,000 YAML tokens .*\n$/);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.peakMiB).toBeLessThan(CEILING_MIB);
  }, 120_000);

  it('documents past the run’s total are refused the same way', async () => {
    const [input] = worstInputs({ ...LIMITS, inputTokens: LIMITS.inputTokens + 4000 }, 'flow-ints') as [WorstInput];
    const result = await cmpGenerate(writeApp(input.files));
    expect(result.stderr).toMatch(/^error: bulk\.yaml(#\d+)?: too large at line \d+, column \d+: the input has more than 300,000 YAML tokens in all .*\n$/);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.peakMiB).toBeLessThan(CEILING_MIB);
  }, 120_000);
});

it('/usr/bin/time is there to measure with (Debian: apt-get install time)', () => {
  expect(existsSync(TIME)).toBe(true);
});
