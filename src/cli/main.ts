import type { Stdio } from '../io/stdio.js';
import { findCommand } from './commands.js';
import { EXIT, UsageError } from './errors.js';
import { mainHelp, VERSION } from './help.js';

/**
 * The only top-level catch: usage errors exit 2, anything unexpected exits 3 with a one-line message
 * (the stack only with IMPS_KRM_DEBUG=1). Commands report their own failures and return 1.
 */
export async function runCli(argv: readonly string[], stdio: Stdio): Promise<number> {
  const [name, ...args] = argv;
  try {
    if (name === undefined) {
      stdio.stderr.write(mainHelp());
      return EXIT.usage;
    }
    if (name === '--help' || name === '-h' || name === 'help') {
      stdio.stdout.write(mainHelp());
      return EXIT.ok;
    }
    if (name === '--version' || name === 'version') {
      stdio.stdout.write(`imps-krm ${VERSION}\n`);
      return EXIT.ok;
    }
    const command = findCommand(name);
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
    return await (await command.load()).run(args, stdio);
  } catch (error) {
    if (error instanceof UsageError) {
      stdio.stderr.write(`imps-krm: ${error.message}\nRun \`imps-krm ${findCommand(name ?? '') ? `${name} ` : ''}--help\` for usage.\n`);
      return EXIT.usage;
    }
    const detail = stdio.env['IMPS_KRM_DEBUG'] === '1' && error instanceof Error ? `\n${error.stack ?? ''}` : '';
    stdio.stderr.write(`imps-krm: internal error: ${error instanceof Error ? error.message : String(error)}${detail}\n`);
    return EXIT.internal;
  }
}
