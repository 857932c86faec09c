// Bundles the CLI: dist/cli.js holds all of imps-krm's own light code in ONE file (the KRM function, render and
// the Argo CD plugin start from it alone: each extra ES module file costs start-up time), and dist/chunks/ holds the
// heavy parts, loaded by dynamic import only when a command needs them: the Kubernetes client, the cloud SDKs, the
// controller.
import { chmod, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { build } from 'esbuild';

/** Modules that pull in a heavy dependency: each becomes its own lazily imported bundle in dist/chunks/. */
const lazy = {
  'ecr-token-provider': 'src/adapters/aws/ecr-token-provider.ts',
  'ecr-public-token-provider': 'src/adapters/aws/ecr-public-token-provider.ts',
  'acr-token-provider': 'src/adapters/azure/acr-token-provider.ts',
  'gar-token-provider': 'src/adapters/google/gar-token-provider.ts',
  'controller-command': 'src/faces/controller/controller-command.ts',
  'refresh-command': 'src/faces/refresh/refresh-command.ts',
  'migrate-command': 'src/faces/migrate/migrate-command.ts',
};
const lazyByPath = new Map(Object.entries(lazy).map(([name, path]) => [resolve(path), name]));

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'linked',
  // Some dependencies (the cloud SDKs' CommonJS parts) still call require(); give ES modules one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
};

/** In the main bundle, a dynamic import of a lazy module stays a dynamic import of its separate bundle. */
const keepLazyModulesOut = {
  name: 'keep-lazy-modules-out',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\./ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const name = lazyByPath.get(resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts')));
      return name ? { path: `./chunks/${name}.js`, external: true } : undefined;
    });
  },
};

await rm('dist', { recursive: true, force: true });
await Promise.all([
  build({
    ...common,
    entryPoints: { cli: 'src/cli/bin.ts' },
    outdir: 'dist',
    plugins: [keepLazyModulesOut],
    banner: { js: `#!/usr/bin/env node\n${common.banner.js}` },
  }),
  // The lazy bundles share their own chunks (the Kubernetes client once for every command that uses it). They carry
  // their own copy of the core modules they use: nothing crosses bundles but plain data and Errors.
  build({
    ...common,
    entryPoints: lazy,
    outdir: 'dist/chunks',
    splitting: true,
    entryNames: '[name]',
    chunkNames: 'shared-[hash]',
  }),
]);
await chmod('dist/cli.js', 0o755);
