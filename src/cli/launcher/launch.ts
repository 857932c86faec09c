// The process entry of the built CLI (dist/cli.js, CommonJS): compiles the bundle (dist/imps-krm.cjs, a function
// expression) with V8's code cache and runs it. A warm start deserialises the bytecode of what the previous run of
// the same command executed instead of parsing and compiling it: this is what takes the KRM function below the cost
// of parsing YAML in a bare bundle (issue 12). See code-cache.ts for where the cache may come from.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { commandWord, flagsOf, openCodeCache, saveCodeCache, type BundleIdentity } from './code-cache.js';

declare const __IMPS_KRM_BUNDLE__: BundleIdentity;

type BundleMain = (require: NodeJS.Require, importChunk: (specifier: string) => Promise<unknown>, bundleUrl: string) => void;

const bundlePath = join(__dirname, 'imps-krm.cjs');
// ASCII (checked by the build): latin1 skips UTF-8 decoding.
const source = readFileSync(bundlePath, 'latin1');
const cache = openCodeCache({
  installDir: __dirname,
  key: { bundle: __IMPS_KRM_BUNDLE__, nodeVersion: process.version, arch: process.arch, flags: flagsOf(process.execArgv, process.env), command: commandWord(process.argv) },
  sourceLength: source.length,
  env: process.env,
  uid: process.getuid?.(),
});
const script = new Script(source, { filename: bundlePath, ...(cache.data ? { cachedData: cache.data } : {}) });
const rejected = script.cachedDataRejected === true;
process.once('exit', (code) => {
  const saved = saveCodeCache(cache, rejected, code, () => script.createCachedData());
  if (process.env['IMPS_KRM_CODE_CACHE'] === 'trace') {
    process.stderr.write(`imps-krm: code cache ${cache.name}: read ${cache.from}${rejected ? ' (rejected by V8)' : ''}; ${saved}\n`);
  }
});
// What the bundle loads lazily: its chunks (ES modules next to it; import() lives here, outside the cached script),
// and Node built-ins, taken with require() as an import() namespace (the module as `default`, its members named): a
// CommonJS process that never imports an ES module never starts the ES module loader. A view, not a copy: copying
// node:http reads its lazy WebSocket getters, which load undici and web streams (~90 internal modules).
const importChunk = (specifier: string): Promise<unknown> => {
  if (!specifier.startsWith('node:')) return import(pathToFileURL(join(__dirname, specifier)).href);
  return Promise.resolve().then(() => {
    const builtin = require(specifier) as object;
    return new Proxy(builtin, { get: (target, key) => (key === 'default' ? target : Reflect.get(target, key)) });
  });
};
(script.runInThisContext() as BundleMain)(require, importChunk, pathToFileURL(bundlePath).href);
