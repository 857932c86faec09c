import type { Stdio } from '../io/stdio.js';

export interface CommandModule {
  run(args: readonly string[], stdio: Stdio): Promise<number>;
}

export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly examples: readonly string[];
  /** Loaded on use, so each command pays only for its own dependencies at start-up. */
  readonly load: () => Promise<CommandModule>;
}

export const commands: readonly CommandEntry[] = [
  {
    name: 'render',
    summary: 'Render the pull Secrets of every ImagePullSecret in the input, as YAML on stdout.',
    examples: [
      'imps-krm render -f examples/basic --cluster input',
      'imps-krm render -f imps.yaml --context prod -o json',
      'kustomize build overlays/prod | imps-krm render -f -',
    ],
    load: () => import('./render-command.js'),
  },
];

export function findCommand(name: string): CommandEntry | undefined {
  return commands.find((command) => command.name === name);
}
