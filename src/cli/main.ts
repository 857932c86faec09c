import { basename } from 'node:path';
import type { Stdio } from '../io/stdio.js';
import { findCommand } from './registry.js';
import { EXIT, isUsageError, UsageError } from '../faces/kit/exit.js';
import { VERSION } from '../faces/kit/version.js';
import { mainHelp } from './help.js';
import { LEGACY_PLUGIN_NAMES } from './legacy-plugin-name.js';
import { errorMessage } from '../core/problems.js';
import { oneLine } from '../core/text.js';

/**
 * The only top-level catch: usage errors exit 2, anything unexpected exits 3 with a one-line message
 * (the stack only with IMPS_KRM_DEBUG=1). Commands report their own failures and return 1.
 */
export async function runCli(argv: readonly string[], stdio: Stdio, invokedAs: string | undefined = process.argv[1]): Promise<number> {
  const [name, ...args] = argv;
  try {
    // kustomize finds a legacy exec plugin by file name: a link named ImagePullSecret (or AcrPullBinding, for
    // msi-acrpull manifests listed under generators:) needs no wrapper script.
    if (invokedAs !== undefined && LEGACY_PLUGIN_NAMES.includes(basename(invokedAs))) return await runCommand('kustomize-plugin', argv, stdio);
    if (name === undefined) {
      // kustomize exec functions and container functions start us with no arguments and a ResourceList on stdin.
      if (!stdio.stdin.isTTY) return await runCommand('fn', [], stdio);
      stdio.stderr.write(mainHelp());
      return EXIT.usage;
    }
    if (name === '--help' || name === '-h' || name === 'help') {
      // `imps-krm help render` is `imps-krm render --help`, as in kubectl and git.
      const [topic, ...extra] = args;
      if (name === 'help' && topic !== undefined) {
        if (extra.length > 0) throw new UsageError('help takes one command name');
        if (!findCommand(topic)) throw new UsageError(`unknown command ${JSON.stringify(topic)}`);
        return await runCommand(topic, ['--help'], stdio);
      }
      stdio.stdout.write(mainHelp());
      return EXIT.ok;
    }
    if (name === '--version' || name === 'version') {
      stdio.stdout.write(`imps-krm ${VERSION}\n`);
      return EXIT.ok;
    }
    return await runCommand(name, args, stdio);
  } catch (error) {
    if (isUsageError(error)) {
      stdio.stderr.write(`imps-krm: ${oneLine(error.message)}\nRun \`imps-krm ${findCommand(name ?? '') ? `${name} ` : ''}--help\` for usage.\n`);
      return EXIT.usage;
    }
    const detail = stdio.env['IMPS_KRM_DEBUG'] === '1' && error instanceof Error ? `\n${error.stack ?? ''}` : '';
    stdio.stderr.write(`imps-krm: internal error: ${oneLine(errorMessage(error))}${detail}\n`);
    return EXIT.internal;
  }
}

async function runCommand(name: string, args: readonly string[], stdio: Stdio): Promise<number> {
  const command = findCommand(name);
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  return (await command.load()).run(args, stdio);
}
