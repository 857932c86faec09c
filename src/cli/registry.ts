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
    load: () => import('../faces/render/render-command.js'),
  },
  {
    name: 'explain',
    summary: 'Say why each namespace does or does not get each ImagePullSecret\'s Secret: the rule, exclusion or consent that decided.',
    examples: [
      'imps-krm explain -f examples/basic --cluster input',
      'imps-krm explain -f imps.yaml --context prod --namespace payments',
      'imps-krm explain --controller http://127.0.0.1:8082 -o json   # after kubectl port-forward',
    ],
    load: () => import('../faces/explain/explain-command.js'),
  },
  {
    name: 'fn',
    summary: 'KRM function (kustomize, kpt): ResourceList on stdin, ResourceList with the Secrets on stdout.',
    examples: ['kpt fn eval pkg --exec imps-krm -- cluster=input', 'kustomize build --enable-alpha-plugins --enable-exec .'],
    load: () => import('../faces/krm/fn-command.js'),
  },
  {
    name: 'kustomize-plugin',
    summary: 'Legacy kustomize exec plugin (kubectl kustomize --enable-alpha-plugins): CONFIG_FILE in, YAML stream out.',
    examples: ['kubectl kustomize --enable-alpha-plugins .   # with the plugin installed, see docs/krm-function.md'],
    load: () => import('../faces/krm/kustomize-plugin-command.js'),
  },
  {
    name: 'cmp',
    summary: 'Argo CD config-management plugin: `cmp generate` renders the app directory as plain YAML.',
    examples: ['imps-krm cmp generate   # in the app directory, settings from ARGOCD_ENV_* and PARAM_*'],
    load: () => import('../faces/cmp/cmp-command.js'),
  },
  {
    name: 'install',
    summary: 'Copy a self-contained runnable imps-krm into DIR (init containers: imps-krm install /custom-tools).',
    examples: ['imps-krm install /custom-tools'],
    load: () => import('../faces/install/install-command.js'),
  },
  {
    name: 'controller',
    summary: 'In-cluster controller: keep the pull Secrets of every ImagePullSecret (and AcrPullBinding) present, valid and renewed; fill shells.',
    examples: ['imps-krm controller --leader-elect --metrics-addr :8080', 'imps-krm controller --leader-elect --acr-pull-bindings --label-selector shard=a'],
    load: () => import('../faces/controller/controller-command.js'),
  },
  {
    name: 'migrate',
    summary: 'Check a cluster before switching from the IMPS controller or msi-acrpull: Secrets adopted, refused or deleted, specs to change, Helm.',
    examples: ['imps-krm migrate --context prod', 'imps-krm migrate --require-source-consent -o json'],
    load: () => import('../faces/migrate/migrate-command.js'),
  },
  {
    name: 'refresh',
    summary: 'IMPS refresher: merge source Secrets into one target Secret and keep it fresh (--once for CronJobs); the ECR Public helper\'s job.',
    examples: [
      'imps-krm refresh --target-secret apps.regcred --source-secret creds.ecr-login --once',
      'imps-krm refresh --once --target-secret ecr-public-token --target-namespaces "default prometheus my-app" --source-ecr-public',
    ],
    load: () => import('../faces/refresh/refresh-command.js'),
  },
];

export function findCommand(name: string): CommandEntry | undefined {
  return commands.find((command) => command.name === name);
}
