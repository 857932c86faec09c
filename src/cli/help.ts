import { commands } from './registry.js';

export function mainHelp(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'imps-krm: render Kubernetes image pull Secrets from ImagePullSecret specs (images.banzaicloud.io/v1alpha1).',
    '',
    'Usage: imps-krm <command> [flags]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Examples:',
    ...commands.flatMap((command) => command.examples.map((example) => `  ${example}`)),
    '',
    'Run `imps-krm <command> --help` for the flags of a command.',
    '',
  ].join('\n');
}
