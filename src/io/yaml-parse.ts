// The one way input YAML (and JSON) is parsed, by every face. Bounded as it is built: the lexer counts tokens and
// measures each scalar before the parser sees it, so a document that would cost too much memory or time is refused
// once it has cost its bound (the parser keeps up to ~1 KB per token while a document is composed). Each document is
// then composed on its own, checked by a linear walk (depth, duplicate keys, aliases and what they expand to) and
// converted or kept; errors carry the file, the document index, line and column, and the problem in words: never the
// library's message, which quotes input.
import { Composer, isAlias, isMap, isPair, isScalar, isSeq, Lexer, Parser, Schema, type Document } from 'yaml';
import type { Problem } from '../core/problems.js';
import { formatBytes, LIMIT_NOTE } from './limits.js';
import type { ReadBudget } from './read-budget.js';
import { atPosition, describeYamlCode, type TextPosition } from './yaml-errors.js';

/**
 * `uniqueKeys: false`: the library's own duplicate check compares each key with every earlier one (quadratic: a
 * 100,000-key map never finishes); checkDocument refuses duplicates in linear time instead, for every face.
 * `schema: 'core'` even under a `%YAML 1.1` directive, `resolveKnownTags: false`, `merge: false`: manifests are JSON
 * data, read the same way in every document. The YAML 1.1 types and the tags the library knows beyond JSON
 * (`!!omap`, `!!pairs`, `!!set`, `!!binary`, `!!timestamp`) would hand the faces Maps, Sets, Buffers and Dates, and
 * `!!omap` and `!!pairs` hold their entries in a form checkDocument's walk did not see: an alias to nothing there
 * was an internal error that printed the alias's name (found by test/fuzz/documents.test.ts). Under these options an
 * explicit tag the core schema does not know leaves the value as the string, mapping or list it is written as.
 */
export const YAML_PARSE_OPTIONS = { uniqueKeys: false, prettyErrors: false, schema: 'core', resolveKnownTags: false, merge: false } as const;

/** Control lexemes the `yaml` lexer inserts; they take no room in the text (the library's Parser skips them too). */
const CONTROL_LEXEMES = new Set(['\u0002', '\u0018', '\u001f']);

/** A problem and where it is; `limit` problems are bounds of imps-krm, not faults of the YAML. */
export interface Located {
  readonly message: string;
  readonly offset?: number | undefined;
  readonly limit?: boolean;
}

/** 1-based line and column of increasing offsets in one pass over the text (a LineCounter would keep every line start). */
class LineCursor {
  private line = 1;
  private lineStart = 0;
  private at = 0;
  constructor(private readonly text: string) {}

  position(offset: number): TextPosition {
    if (offset < this.at) {
      this.line = 1;
      this.lineStart = 0;
      this.at = 0;
    }
    for (let i = this.text.indexOf('\n', this.at); i !== -1 && i < offset; i = this.text.indexOf('\n', i + 1)) {
      this.line++;
      this.lineStart = i + 1;
    }
    this.at = offset;
    return { line: this.line, column: offset - this.lineStart + 1 };
  }
}

/**
 * What a lexeme costs against the token budget, measured with the built CLI (bench/input-bounds.bench.ts): a flow
 * collection opener starts a collection (a CST token, a node, an array, and its own Document node when printed back).
 * It counts 4: at 3, documents of nested flow collections at the per-document bound peaked at 185-206 MB in `cmp
 * generate` on Node 24 and 26 with the image's V8 flags, over the memory test's 192 MiB; at 4, 145-178 MB. Block-style
 * manifests barely notice (Argo CD's install.yaml: 213,766 tokens, 21 more). Every line break inside a multi-line
 * scalar or comment is a line the library splits, folds and concatenates on its own.
 */
function tokenCost(lexeme: string): number {
  if (lexeme === '[' || lexeme === '{') return 4;
  if (lexeme === '\r\n') return 1;
  let cost = 1;
  if (lexeme.length > 1) for (let i = lexeme.indexOf('\n'); i !== -1; i = lexeme.indexOf('\n', i + 1)) cost++;
  return cost;
}

/** Why one lexeme is too long, when it is: every scalar and comment is measured before the parser keeps it. */
function lexemeProblem(lexeme: string, limits: ReadBudget['limits']): string | undefined {
  if (lexeme.length > limits.scalarBytes) return `a value or comment is longer than ${formatBytes(limits.scalarBytes)}`;
  if (lexeme.length > limits.doubleQuotedBytes && lexeme.startsWith('"')) {
    return `a double-quoted value is longer than ${formatBytes(limits.doubleQuotedBytes)} (write it as a block scalar, |)`;
  }
  return undefined;
}

/** What the reader charges for `text`, in all (the figure the limits and the benchmarks are stated in). */
export function countTokens(text: string): number {
  let tokens = 0;
  for (const lexeme of new Lexer().lex(text)) tokens += tokenCost(lexeme);
  return tokens;
}

/** Size of a node once its aliases are expanded: what every later step (validate, render, print) pays for it. */
interface Measure {
  readonly nodes: number;
  readonly bytes: number;
  readonly height: number;
}

const OPEN: Measure = { nodes: 0, bytes: 0, height: 0 };

interface Frame {
  readonly node: unknown;
  readonly depth: number;
  children?: unknown[];
}

/**
 * One iterative pass over a composed document (no recursion: depth is what is being checked): nesting depth,
 * duplicate and non-scalar keys, aliases (defined before use, not circular, at most `aliases` per document) and the
 * size everything expands to, charged to the run's budget.
 */
export function checkDocument(doc: Document.Parsed, budget: ReadBudget): Located | undefined {
  const { depth: maxDepth, aliases: maxAliases, scalarBytes, expandedNodes, expandedBytes } = budget.limits;
  const anchors = new Map<string, Measure>();
  const measures = new Map<unknown, Measure>();
  let aliasCount = 0;
  const at = (node: unknown): number | undefined => (node as { range?: readonly number[] } | null)?.range?.[0];
  const stack: Frame[] = [{ node: doc.contents, depth: 1 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const { node, depth } = frame;
    if (isMap(node) || isSeq(node)) {
      if (frame.children === undefined) {
        if (depth > maxDepth) return { message: `nested deeper than ${maxDepth} levels`, offset: at(node), limit: true };
        if (node.anchor) anchors.set(node.anchor, OPEN);
        const children: unknown[] = [];
        if (isMap(node)) {
          const keys = new Set<string>();
          for (const pair of node.items) {
            if (!isScalar(pair.key) && pair.key !== null) return { message: 'a mapping key is not a plain value', offset: at(pair.key) };
            const key = jsKey(pair.key?.value);
            if (keys.has(key)) return { message: 'a mapping key appears twice (DUPLICATE_KEY)', offset: at(pair.key) };
            keys.add(key);
            children.push(pair.key, pair.value);
          }
        } else {
          // A sequence of pairs (`!!omap`, `!!pairs`) is not composed under YAML_PARSE_OPTIONS; walked all the same.
          for (const item of node.items) {
            if (isPair(item)) children.push(item.key, item.value);
            else children.push(item);
          }
        }
        frame.children = children;
        for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i], depth: depth + 1 });
        continue;
      }
      stack.pop();
      let nodes = 1;
      let bytes = 0;
      let height = 0;
      for (const child of frame.children) {
        const measure = child === null || child === undefined ? undefined : measures.get(child);
        if (!measure) continue;
        nodes += measure.nodes;
        bytes += measure.bytes;
        height = Math.max(height, measure.height);
        measures.delete(child);
      }
      const measure = { nodes, bytes, height: height + 1 };
      measures.set(node, measure);
      if (node.anchor) anchors.set(node.anchor, measure);
      continue;
    }
    stack.pop();
    if (isScalar(node)) {
      const size = typeof node.value === 'string' ? node.value.length : 8;
      if (size > scalarBytes) return { message: `a value is longer than ${formatBytes(scalarBytes)}`, offset: at(node), limit: true };
      const measure = { nodes: 1, bytes: size, height: 0 };
      measures.set(node, measure);
      if (node.anchor) anchors.set(node.anchor, measure);
    } else if (isAlias(node)) {
      if (++aliasCount > maxAliases) return { message: `more than ${maxAliases} aliases in one document`, offset: at(node), limit: true };
      const target = anchors.get(node.source);
      // Never the alias name: `password: *hunter2` is an alias named hunter2.
      if (target === undefined) {
        return { message: 'an alias names no anchor defined before it (quote values that start with *)', offset: at(node) };
      }
      if (target === OPEN) return { message: 'an alias refers to a collection that contains it', offset: at(node) };
      if (depth - 1 + target.height > maxDepth) return { message: `nested deeper than ${maxDepth} levels once aliases are expanded`, offset: at(node), limit: true };
      measures.set(node, target);
    }
  }
  const total = measures.get(doc.contents) ?? { nodes: 0, bytes: 0, height: 0 };
  budget.expandedNodes += total.nodes;
  budget.expandedBytes += total.bytes;
  if (budget.expandedNodes > expandedNodes) {
    budget.exhausted = true;
    return { message: `the input expands to more than ${expandedNodes.toLocaleString('en-US')} nodes in all (through aliases)`, limit: true };
  }
  if (budget.expandedBytes > expandedBytes) {
    budget.exhausted = true;
    return { message: `the input's values expand to more than ${formatBytes(expandedBytes)} in all (through aliases)`, limit: true };
  }
  return undefined;
}

/** The property name a key becomes in a plain object, as the `yaml` library converts it (null is ''). */
function jsKey(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

export interface ComposedDocument {
  readonly index: number;
  readonly doc: Document.Parsed;
}

/** A problem about document `index` of `path`, at `offset` when known. */
type Report = (index: number, located: Located) => Problem;

/**
 * Every document of a YAML stream, composed one at a time, checked and handed to `visit`; a document with a problem
 * is reported (its first problem) and skipped. The lexer runs ahead of the parser one lexeme at a time, so tokens are
 * counted and scalars measured before the parser keeps them: a document is refused as soon as it passes the token
 * bound, having cost no more than the bound. Each document is taken out of the library's Composer as soon as it ends
 * (the Composer alone would hold it until the next one is complete), so a face that converts and drops documents
 * (render, cmp) holds one syntax tree at a time. Stops at the first bound the run's budget hits: the rest would not
 * fit either.
 */
export function forEachDocument(text: string, path: string, budget: ReadBudget, visit: (document: ComposedDocument) => void): Problem[] {
  const problems: Problem[] = [];
  if (budget.exhausted) return problems;
  const cursor = new LineCursor(text);
  const report: Report = (index, { message, offset, limit }) => {
    const where = atPosition(offset === undefined ? undefined : cursor.position(offset));
    const text = message.startsWith('invalid YAML') ? message : limit ? `too large${where}: ${message} (${LIMIT_NOTE})` : `invalid YAML${where}: ${message}`;
    return { severity: 'error', file: { path, index }, message: text };
  };
  let index = 0;
  /** Checks and hands on one composed document; false when the run must stop reading. */
  const take = (doc: Document.Parsed): boolean => {
    const at = index++;
    const error = doc.errors[0];
    if (error) {
      problems.push(report(at, { message: describeYamlCode(error.code, cursor.position(error.pos[0])) }));
      return true;
    }
    const found = checkDocument(doc, budget);
    if (found) {
      problems.push(report(at, found));
      return !budget.exhausted;
    }
    visit({ index: at, doc });
    return true;
  };
  const composer = new Composer(YAML_PARSE_OPTIONS);
  const parser = new Parser();
  let documentTokens = 0;
  let offset = 0;
  for (const lexeme of new Lexer().lex(text)) {
    const cost = tokenCost(lexeme);
    documentTokens += cost;
    const over = budget.spendTokens(cost, documentTokens);
    if (over) {
      problems.push(report(index, { message: over, offset, limit: true }));
      return problems;
    }
    const tooLong = lexemeProblem(lexeme, budget.limits);
    if (tooLong) {
      problems.push(report(index, { message: tooLong, offset, limit: true }));
      return problems;
    }
    let ended = false;
    for (const token of parser.next(lexeme)) {
      // A document ends on the lexeme that starts the next one (`---`), or on `...` (its doc-end token follows).
      if (token.type === 'document') {
        documentTokens = cost;
        ended = lexeme !== '...';
      } else if (token.type === 'doc-end') {
        ended = true;
      }
      for (const doc of composer.next(token)) if (!take(doc)) return problems;
    }
    if (ended) for (const doc of composer.end()) if (!take(doc)) return problems;
    if (!(lexeme.length === 1 && CONTROL_LEXEMES.has(lexeme))) offset += lexeme.length;
  }
  for (const token of parser.end()) for (const doc of composer.next(token)) if (!take(doc)) return problems;
  for (const doc of composer.end()) if (!take(doc)) return problems;
  return problems;
}

/** Every document of a YAML stream, kept (comments, styles) for faces that write items back: fn, the legacy plugin. */
export function composeDocuments(text: string, path: string, budget: ReadBudget): { documents: ComposedDocument[]; problems: Problem[] } {
  const documents: ComposedDocument[] = [];
  const problems = forEachDocument(text, path, budget, (document) => documents.push(document));
  return { documents, problems };
}

/** Plain values of every document (null documents dropped), for faces that need no comments or styles. */
export function parseYamlValues(text: string, path: string, budget: ReadBudget): { values: Array<{ index: number; value: unknown }>; problems: Problem[] } {
  const values: Array<{ index: number; value: unknown }> = [];
  // Converted as each document ends, and its syntax tree dropped: only plain values outlive the parse.
  const problems = forEachDocument(text, path, budget, ({ index, doc }) => {
    // checkDocument bounded the aliases; the library's own count (a full document scan per anchor) is not needed.
    const value: unknown = doc.toJS({ maxAliasCount: -1 });
    if (value !== null && value !== undefined) values.push({ index, value });
  });
  return { values, problems };
}

/**
 * The one document of a file the operator chose (a kubeconfig): its value, or one line naming the file, document and
 * position without quoting it (a YAML mistake on a kubeconfig's token line would otherwise print the token).
 */
export function parseYamlFile(text: string, path: string, budget: ReadBudget): { readonly value: unknown } | { readonly error: string } {
  const parsed = parseYamlValues(text, path, budget);
  const problem = parsed.problems[0];
  if (problem) return { error: `${path}${problem.file?.index ? `#${problem.file.index}` : ''}: ${problem.message}` };
  return { value: parsed.values[0]?.value ?? null };
}

/**
 * V8 keeps a string built one character at a time as a rope of about 40 bytes per character until something
 * flattens it; the `yaml` library decodes quoted scalars that way, so a 6 MB quoted value held 250 MB. Every scalar
 * string passes through the library's one string tag (`Symbol.for('yaml.scalar')` of a Schema): reading a character
 * there flattens it while it is still the only copy. test/unit/yaml-parse.test.ts fails if an upgrade moves the tag.
 */
export const flattensStrings: boolean = (() => {
  const tag = (new Schema({}) as unknown as Record<symbol, { resolve?: unknown } | undefined>)[Symbol.for('yaml.scalar')];
  const resolve = tag?.resolve;
  if (!tag || typeof resolve !== 'function') return false;
  if ((resolve as { flattens?: boolean }).flattens) return true;
  const flattening = Object.assign(
    (...args: unknown[]): unknown => {
      const value: unknown = resolve(...args);
      if (typeof value === 'string' && value.length > 0) value.charCodeAt(0);
      return value;
    },
    { flattens: true },
  );
  tag.resolve = flattening;
  return true;
})();
