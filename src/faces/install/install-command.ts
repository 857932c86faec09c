// `imps-krm install DIR`: the init-container pattern (as ksops does it) without needing a shell or `cp` in the
// image: copy the running build into a shared volume, runnable there as DIR/imps-krm by Node 22 or later, and
// prewarm its code cache (./prewarm.ts) so the copy starts warm on a read-only file system.
import { existsSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, UsageError } from '../kit/exit.js';
import { VERSION } from '../kit/version.js';
import { parseFlags } from '../kit/flags.js';
import type { Stdio } from '../../io/stdio.js';
import { prewarmCodeCache } from './prewarm.js';
import { errorMessage } from '../../core/problems.js';

const HELP = `Copy a self-contained, runnable imps-krm into DIR (for an init container sharing an emptyDir).

Usage: imps-krm install DIR

Writes DIR/imps-krm (the entry point), DIR/imps-krm.cjs (the bundle), DIR/chunks/ (lazily loaded parts),
DIR/package.json, and DIR/code-cache/ (V8 code cache, made by running each face once on a built-in sample,
so the copy starts warm where no user cache directory is writable). Needs Node 22 or later; nothing else.

Example (init container of argocd-repo-server or of the CMP sidecar):
  command: [imps-krm, install, /custom-tools]     # then run /custom-tools/imps-krm
`;

/** What `install` lays out in DIR (the Dockerfile and test/unit/dockerfile.test.ts rely on these names). */
export const INSTALL_LAYOUT = {
  entry: 'imps-krm',
  bundle: 'imps-krm.cjs',
  chunks: 'chunks',
  packageJson: 'package.json',
  codeCache: 'code-cache',
} as const;

/** The launcher's name in dist/ (the build) and in an installed copy. */
const LAUNCHER_NAMES = ['cli.js', INSTALL_LAYOUT.entry];
/** Must match src/cli/launcher/code-cache.ts (the launcher is a separate bundle: nothing is shared at run time). */
const PREWARM_ENV = 'IMPS_KRM_CODE_CACHE_PREWARM';

export async function run(args: readonly string[], stdio: Stdio, bundleDir = findBundleDir()): Promise<number> {
  const { values, positionals } = parseFlags(args, { help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    stdio.stdout.write(HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('exactly one target directory is required');
  const launcher = bundleDir && LAUNCHER_NAMES.map((name) => join(bundleDir, name)).find((path) => existsSync(path));
  if (!bundleDir || !launcher) {
    stdio.stderr.write('imps-krm install: runs from the built bundle only (dist/cli.js); run `npm run build` first\n');
    return EXIT.failed;
  }
  const dir = positionals[0]!;
  const target = resolve(stdio.cwd, dir);
  const entry = join(target, INSTALL_LAYOUT.entry);
  // A DIR that cannot be a directory (under a file, not writable, read-only) is a usage error naming it.
  await mkdir(target, { recursive: true }).catch((error: unknown) => {
    throw new UsageError(`cannot use DIR ${dir}: ${describeFsError(error)}`);
  });
  try {
    // Chunk names carry content hashes, and a cache belongs to one build: drop an older install's.
    await rm(join(target, INSTALL_LAYOUT.chunks), { recursive: true, force: true });
    await rm(join(target, INSTALL_LAYOUT.codeCache), { recursive: true, force: true });
    await cp(join(bundleDir, 'chunks'), join(target, INSTALL_LAYOUT.chunks), { recursive: true });
    await copyFile(join(bundleDir, INSTALL_LAYOUT.bundle), join(target, INSTALL_LAYOUT.bundle));
    for (const legal of (await readdir(bundleDir)).filter((name) => name.endsWith('.LEGAL.txt'))) await copyFile(join(bundleDir, legal), join(target, legal));
    if (launcher !== entry) await copyFile(launcher, entry);
    await chmod(entry, 0o755);
    // CommonJS: the launcher is an extensionless CommonJS file (the chunks are .mjs).
    const manifest = { name: 'imps-krm-install', version: VERSION, private: true, type: 'commonjs' };
    await writeFile(join(target, INSTALL_LAYOUT.packageJson), `${JSON.stringify(manifest, null, 2)}\n`);
  } catch (error) {
    const path = (error as NodeJS.ErrnoException).path;
    if (describeFsError(error) === 'permission denied' || (error as NodeJS.ErrnoException).code === 'EROFS') {
      throw new UsageError(`cannot use DIR ${dir}: ${describeFsError(error)}`);
    }
    stdio.stderr.write(`imps-krm install: cannot write ${path ?? target}: ${describeFsError(error)}\n`);
    return EXIT.failed;
  }
  const problem = await prewarmCodeCache(entry, stdio.env, PREWARM_ENV);
  if (problem !== undefined) {
    stdio.stderr.write(`imps-krm install: ${problem}\n`);
    return EXIT.failed;
  }
  stdio.stderr.write(`imps-krm ${VERSION} installed: ${entry}\n`);
  return EXIT.ok;
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory';
    case 'EEXIST':
      return 'exists and is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    default:
      return code ?? errorMessage(error);
  }
}

/** The folder holding the bundle (imps-krm.cjs, where this module is bundled), the launcher and chunks/. */
function findBundleDir(): string | undefined {
  const dir = dirname(fileURLToPath(import.meta.url));
  return existsSync(join(dir, INSTALL_LAYOUT.bundle)) && existsSync(join(dir, 'chunks')) ? dir : undefined;
}
