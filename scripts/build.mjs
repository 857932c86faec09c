// Bundles the CLI into dist/:
// - dist/imps-krm.cjs holds all of imps-krm's own light code in ONE CommonJS file (the KRM function, render and the
//   Argo CD plugin start from it alone), wrapped as a function expression that only the launcher runs;
// - dist/cli.js is that launcher (src/cli/launcher/): it compiles the bundle with V8's code cache, so a warm start
//   skips parsing and compiling what the previous run executed;
// - dist/chunks/*.mjs hold the heavy parts as ES modules, loaded only when a command needs them: the cloud SDKs,
//   the controller. The bundle reaches them, and the Node built-ins it loads lazily, through the launcher's importer
//   (`importChunk`), not `import()`: a dynamic import inside a vm.Script needs a host callback, which takes
//   --experimental-vm-modules (a callback function) or prints an ExperimentalWarning on every run
//   (vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER), on Node 22 to 26 alike.
// - dist/package.json marks dist/cli.js (and the extensionless copy `install` makes) as CommonJS: a CommonJS entry
//   starts faster than an ES module one.
import { createHash } from 'node:crypto';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { checkChunkImports } from './check-chunk-imports.mjs';
import { cjsDynamicImportInterop } from './cjs-dynamic-import.mjs';

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
  platform: 'node',
  target: 'node22',
  minify: process.env['IMPS_KRM_BUILD_MINIFY'] !== '0',
  legalComments: 'linked',
  logLevel: 'warning',
};

/** In the main bundle, a dynamic import of a lazy module stays a dynamic import of its separate bundle. */
const keepLazyModulesOut = {
  name: 'keep-lazy-modules-out',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\./ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const name = lazyByPath.get(resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts')));
      return name ? { path: `./chunks/${name}.mjs`, external: true } : undefined;
    });
  },
};

/** The parameters the launcher passes to the bundle's function (src/cli/launcher/launch.ts runs it). */
const BUNDLE_PARAMS = 'require, importChunk, __impsKrmBundleUrl';

await rm('dist', { recursive: true, force: true });
await mkdir('dist');
const [main] = await Promise.all([
  build({
    ...common,
    format: 'cjs',
    entryPoints: { 'imps-krm': 'src/cli/bin.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    write: false,
    plugins: [keepLazyModulesOut],
    // install-command finds the bundle's folder from import.meta.url; the launcher passes the bundle's URL.
    define: { 'import.meta.url': '__impsKrmBundleUrl' },
    banner: { js: `(function (${BUNDLE_PARAMS}) {` },
    footer: { js: '})' },
  }),
  // The lazy bundles share their own chunks (the Kubernetes client once for every command that uses it). They carry
  // their own copy of the core modules they use: nothing crosses bundles but plain data and Errors.
  build({
    ...common,
    format: 'esm',
    entryPoints: lazy,
    outdir: 'dist/chunks',
    outExtension: { '.js': '.mjs' },
    splitting: true,
    entryNames: '[name]',
    chunkNames: 'shared-[hash]',
    plugins: [cjsDynamicImportInterop],
    // Some dependencies (the cloud SDKs' CommonJS parts) still call require(); give ES modules one.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  }),
]);

let bundle;
for (const file of main.outputFiles) {
  if (!file.path.endsWith('imps-krm.cjs')) {
    await writeFile(file.path, file.contents);
    continue;
  }
  let lazyImports = 0;
  // Lazy chunks and lazily loaded Node built-ins (the Kubernetes client loads https, tls, child_process on use).
  bundle = file.text.replace(/\bimport\("((?:\.\/chunks\/[a-z-]+\.mjs)|(?:node:[a-z_/]+))"\)/g, (_, specifier) => {
    lazyImports++;
    return `importChunk(${JSON.stringify(specifier)})`;
  });
  // Any other import() would fail at run time inside the vm.Script: fail the build instead.
  const stray = /\bimport\(/.exec(bundle);
  if (stray) throw new Error(`build: a dynamic import() the launcher cannot serve is left in the main bundle: ${bundle.slice(stray.index, stray.index + 80)}`);
  // The launcher reads the bundle as latin1 (one byte per character, no UTF-8 decoding): it must be ASCII.
  if (/[^\x00-\x7f]/.test(bundle)) throw new Error('build: the main bundle is not ASCII');
  await writeFile(file.path, bundle);
}
if (bundle === undefined) throw new Error('build: esbuild wrote no dist/imps-krm.cjs');

// The code cache is keyed by the bundle's hash, computed here so the launcher never hashes at start-up.
const identity = { sha256: createHash('sha256').update(bundle).digest('hex'), length: bundle.length };
await build({
  ...common,
  format: 'cjs',
  entryPoints: { cli: 'src/cli/launcher/launch.ts' },
  outdir: 'dist',
  define: { __IMPS_KRM_BUNDLE__: JSON.stringify(identity) },
  banner: { js: '#!/usr/bin/env node' },
});
await writeFile('dist/package.json', `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);

// A name taken from a chunk that does not export it fails only when that path runs (issue 9: gaxios behind a proxy).
const findings = checkChunkImports('dist');
if (findings.length > 0) throw new Error(`build: lazily imported chunks do not provide what their importers take:\n  ${findings.join('\n  ')}`);
await chmod('dist/cli.js', 0o755);
