// `imps-krm install DIR`: the init-container pattern (as ksops does it) without needing a shell or `cp` in the
// image: copy the running bundle into a shared volume, runnable there as DIR/imps-krm by any Node >= 20.10 image (an extensionless ES module entry point).
import { existsSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, UsageError } from '../kit/exit.js';
import { VERSION } from '../kit/version.js';
import { parseFlags } from '../kit/flags.js';
import type { Stdio } from '../../io/stdio.js';
import { errorMessage } from '../../core/problems.js';

const HELP = `Copy a self-contained, runnable imps-krm into DIR (for an init container sharing an emptyDir).

Usage: imps-krm install DIR

Writes DIR/imps-krm (the entry point), DIR/chunks/ (lazily loaded parts) and DIR/package.json
(marks the files as ES modules). Needs Node 20.10 or later where it runs; nothing else.

Example (init container of argocd-repo-server or of the CMP sidecar):
  command: [imps-krm, install, /custom-tools]     # then run /custom-tools/imps-krm
`;

export async function run(args: readonly string[], stdio: Stdio, bundleDir = findBundleDir()): Promise<number> {
  const { values, positionals } = parseFlags(args, { help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    stdio.stdout.write(HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('exactly one target directory is required');
  if (!bundleDir) {
    stdio.stderr.write('imps-krm install: runs from the built bundle only (dist/cli.js); run `npm run build` first\n');
    return EXIT.failed;
  }
  const dir = positionals[0]!;
  const target = resolve(stdio.cwd, dir);
  // A DIR that cannot be a directory (under a file, not writable, read-only) is a usage error naming it.
  await mkdir(target, { recursive: true }).catch((error: unknown) => {
    throw new UsageError(`cannot use DIR ${dir}: ${describeFsError(error)}`);
  });
  try {
    // Chunk names carry content hashes: drop an older install's instead of accumulating them.
    await rm(join(target, 'chunks'), { recursive: true, force: true });
    await cp(join(bundleDir, 'chunks'), join(target, 'chunks'), { recursive: true });
    await copyFile(join(bundleDir, 'cli.js'), join(target, 'imps-krm'));
    await chmod(join(target, 'imps-krm'), 0o755);
    await writeFile(join(target, 'package.json'), `${JSON.stringify({ name: 'imps-krm-install', version: VERSION, private: true, type: 'module' }, null, 2)}\n`);
  } catch (error) {
    const path = (error as NodeJS.ErrnoException).path;
    if (describeFsError(error) === 'permission denied' || (error as NodeJS.ErrnoException).code === 'EROFS') {
      throw new UsageError(`cannot use DIR ${dir}: ${describeFsError(error)}`);
    }
    stdio.stderr.write(`imps-krm install: cannot write ${path ?? target}: ${describeFsError(error)}\n`);
    return EXIT.failed;
  }
  stdio.stderr.write(`imps-krm ${VERSION} installed: ${join(target, 'imps-krm')}\n`);
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

/** The folder holding cli.js and chunks/: this module is bundled into dist/chunks/ (or dist/ itself). */
function findBundleDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 2; up++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'cli.js')) && existsSync(join(dir, 'chunks'))) return dir;
  }
  return undefined;
}
