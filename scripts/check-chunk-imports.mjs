// Checks the names the built code takes from its lazily imported chunks against what those chunks export. An esbuild
// interop slip (a CommonJS package reached by import() with code splitting becomes a chunk that exports only
// `default`: see cjs-dynamic-import.mjs) passes every load and fails only when the path runs, as gaxios's
// `new HttpsProxyAgent()` did behind HTTPS_PROXY (issue 9). scripts/build.mjs fails the build on a finding;
// test/e2e/bundle-integrity.test.ts runs it too, and checks the same names at run time.
//
// The import forms esbuild emits (minified or not) are read: `(await import("./x.mjs")).name`,
// `{a:b,c}=await import("./x.mjs")`, `[{a},{b}]=await Promise.all([import("./x.mjs"),import("./y.mjs")])`,
// `import("./x.mjs").then(({a})=>...)`; the main bundle's `importChunk("./chunks/x.mjs")` likewise. A namespace kept
// in a variable is not followed (the run-time check covers what the tests run).
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const IDENT = '[A-Za-z_$][\\w$]*';
const SITE = String.raw`(?:import|importChunk)\("(\.\/(?:chunks\/)?[\w-]+\.mjs)"\)`;

/** The names a chunk exports, from esbuild's `export { a as b, c }` and `export default`. */
export function exportsOf(text) {
  const names = new Set();
  for (const match of text.matchAll(/\bexport\s*\{([^}]*)\}/g)) {
    for (const entry of match[1].split(',')) {
      const parts = entry.trim().split(/\s+as\s+/);
      const name = (parts[1] ?? parts[0]).trim().replace(/^"|"$/g, '');
      if (name) names.add(name);
    }
  }
  if (/\bexport\s+default\b/.test(text)) names.add('default');
  for (const match of text.matchAll(new RegExp(`\\bexport\\s+(?:const|let|var|function\\*?|class|async\\s+function)\\s+(${IDENT})`, 'g'))) names.add(match[1]);
  return names;
}

/** The keys of a destructuring pattern's body: `a:b,c,d=1` -> a, c, d. */
function keysOf(pattern) {
  return pattern
    .split(',')
    .map((entry) => entry.trim().split(/[:=]/)[0].trim())
    .filter((key) => new RegExp(`^${IDENT}$`).test(key));
}

/** Every `{ chunk, name }` a file takes from a lazily imported chunk, by the forms above. */
export function importedNames(text) {
  const uses = [];
  for (const match of text.matchAll(new RegExp(String.raw`\(await ${SITE}\)\.(${IDENT})`, 'g'))) uses.push({ chunk: match[1], name: match[2] });
  for (const match of text.matchAll(new RegExp(String.raw`\{([^{}]*)\}\s*=\s*await ${SITE}`, 'g'))) for (const name of keysOf(match[1])) uses.push({ chunk: match[2], name });
  for (const match of text.matchAll(new RegExp(String.raw`${SITE}\.then\(\(?\{([^{}]*)\}\)?\s*=>`, 'g'))) for (const name of keysOf(match[2])) uses.push({ chunk: match[1], name });
  for (const match of text.matchAll(new RegExp(String.raw`\[((?:\s*\{[^{}]*\}\s*,?)+)\]\s*=\s*await Promise\.all\(\[((?:\s*${SITE}\s*,?)+)\]\)`, 'g'))) {
    const patterns = [...match[1].matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]);
    const chunks = [...match[2].matchAll(new RegExp(SITE, 'g'))].map((m) => m[1]);
    patterns.forEach((pattern, index) => {
      for (const name of keysOf(pattern)) uses.push({ chunk: chunks[index], name });
    });
  }
  return uses;
}

/**
 * Findings for a built dist/ (or any folder laid out like it: `chunks/*.mjs`, optionally a main bundle):
 * names taken from a chunk that does not export them, and chunks that are a bare CommonJS module behind import()
 * (`export default require_x()`: its named exports are lost).
 */
export function checkChunkImports(dist, mainBundle = 'imps-krm.cjs') {
  const chunksDir = join(dist, 'chunks');
  const chunkFiles = readdirSync(chunksDir).filter((file) => file.endsWith('.mjs'));
  const texts = new Map(chunkFiles.map((file) => [file, readFileSync(join(chunksDir, file), 'utf8')]));
  const findings = [];
  for (const [file, text] of texts) {
    if (/\bexport default [\w$]+\(\);?\s*$/.test(text) && exportsOf(text).size === 1) {
      findings.push(`chunks/${file} is a CommonJS module behind import() with only a default export: its named exports are lost (scripts/cjs-dynamic-import.mjs)`);
    }
  }
  const importers = [...texts].map(([file, text]) => ({ from: `chunks/${file}`, text }));
  try {
    importers.push({ from: mainBundle, text: readFileSync(join(dist, mainBundle), 'utf8') });
  } catch {
    // A folder without the main bundle (a test build): chunks only.
  }
  for (const { from, text } of importers) {
    for (const { chunk, name } of importedNames(text)) {
      const target = texts.get(basename(chunk));
      if (target === undefined) {
        findings.push(`${from} imports ${chunk}, which the build did not emit`);
        continue;
      }
      if (!exportsOf(target).has(name)) findings.push(`${from} takes ${name} from ${chunk}, which does not export it`);
    }
  }
  return [...new Set(findings)];
}
