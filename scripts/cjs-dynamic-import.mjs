// esbuild plugin: a dynamic import() of a CommonJS package, in a build with code splitting, becomes a chunk whose
// only export is `default` (`export default require_x()`), so `(await import('https-proxy-agent')).HttpsProxyAgent`
// is undefined in the bundle while Node, importing the same package, gives its named exports. This is what broke
// google-auth-library behind HTTPS_PROXY (issue 9: gaxios's `new HttpsProxyAgent(...)` threw "u is not a
// constructor"). Such imports are resolved to a small ES module that names the package's exports the way Node does
// for a CommonJS module (`default` is module.exports; each own enumerable key of module.exports is a named export).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, relative, resolve } from 'node:path';

const NAMESPACE = 'cjs-dynamic-import';
const require = createRequire(import.meta.url);

/**
 * Whether `file` is a CommonJS module as esbuild sees it: no ES module syntax (packages such as @smithy/core ship
 * ES module files under a package.json without `type: module`; esbuild, like a bundler, goes by the syntax).
 */
function isCommonJs(file) {
  if (!/\.c?js$/.test(file)) return false;
  return !/^\s*(?:import\s*[\w*{"']|export\s)/m.test(readFileSync(file, 'utf8'));
}

/** @type {import('esbuild').Plugin} */
export const cjsDynamicImportInterop = {
  name: 'cjs-dynamic-import-interop',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.pluginData === NAMESPACE || args.path.startsWith('node:')) return undefined;
      const resolved = await pluginBuild.resolve(args.path, { kind: 'import-statement', resolveDir: args.resolveDir, pluginData: NAMESPACE });
      if (resolved.errors.length > 0 || resolved.external || !isCommonJs(resolved.path)) return undefined;
      // Relative: the path names the module in the bundle, which must not carry the build machine's folders.
      return { path: relative(process.cwd(), resolved.path), namespace: NAMESPACE };
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
      const path = resolve(args.path);
      // The names Node's own loader would offer; loading the package once here is what tells them.
      const names = Object.keys(require(path)).filter((name) => name !== 'default' && name !== '__esModule' && /^[A-Za-z_$][\w$]*$/.test(name));
      const source = JSON.stringify(path);
      const contents = [
        `import * as cjs from ${source};`,
        // esbuild's namespace of a CommonJS module flagged __esModule is module.exports itself; otherwise it holds it as default.
        'const exportsObject = cjs.__esModule || !("default" in cjs) ? cjs : cjs.default;',
        'export default exportsObject;',
        ...names.map((name) => `export const ${name} = exportsObject.${name};`),
      ].join('\n');
      return { contents, loader: 'js', resolveDir: dirname(path) };
    });
  },
};
