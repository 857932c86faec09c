// Parser errors said without the input. The `yaml` library (and js-yaml, which client-node uses, and V8's
// JSON.parse) put a snippet of the text in their messages: `password: *hunter2` fails as an unresolved alias named
// `hunter2`. A message that reaches stderr, a KRM result or Argo CD's UI is built here from the error CODE and the
// position only, never from `error.message`.
import type { ErrorCode } from 'yaml';

/** What each `yaml` error code means, in words a manifest author can act on. */
const YAML_CODES: Readonly<Record<ErrorCode, string>> = {
  ALIAS_PROPS: 'an alias may not carry an anchor or a tag',
  BAD_ALIAS: 'an alias or anchor is malformed (quote values that start with * or &)',
  BAD_DIRECTIVE: 'a directive (a line starting with %) is malformed',
  BAD_DQ_ESCAPE: 'a double-quoted string has an invalid escape',
  BAD_INDENT: 'the indentation is wrong (or a [ or { is not closed)',
  BAD_PROP_ORDER: 'an anchor or tag is out of place',
  BAD_SCALAR_START: 'a plain value starts with a reserved character (quote it)',
  BLOCK_AS_IMPLICIT_KEY: 'a block collection is used as a key',
  BLOCK_IN_FLOW: 'a block collection is inside a flow collection',
  DUPLICATE_KEY: 'a mapping key appears twice',
  IMPOSSIBLE: 'the parser cannot go on here',
  KEY_OVER_1024_CHARS: 'an implicit key is longer than 1024 characters',
  MISSING_CHAR: 'a closing quote, bracket or colon is missing',
  MULTILINE_IMPLICIT_KEY: 'an implicit key spans several lines',
  MULTIPLE_ANCHORS: 'a node has two anchors',
  MULTIPLE_DOCS: 'several documents where one is expected',
  MULTIPLE_TAGS: 'a node has two tags',
  NON_STRING_KEY: 'a mapping key is not a string',
  RESOURCE_EXHAUSTION: 'the nesting is too deep',
  TAB_AS_INDENT: 'a tab is used for indentation',
  TAG_RESOLVE_FAILED: 'a value does not match its tag',
  UNEXPECTED_TOKEN: 'unexpected content',
  BAD_COLLECTION_TYPE: 'a collection does not match its tag',
};

/** 1-based, as editors count. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

export const atPosition = (position: TextPosition | undefined): string =>
  position ? ` at line ${position.line}, column ${position.column}` : '';

/** `invalid YAML at line 3, column 11: an alias ... (BAD_ALIAS)`: the code in words and the code itself, for searching. */
export function describeYamlCode(code: string, position: TextPosition | undefined): string {
  const words = (YAML_CODES as Readonly<Record<string, string>>)[code] ?? 'the text cannot be parsed';
  return `invalid YAML${atPosition(position)}: ${words} (${code})`;
}

/**
 * Any parse error, from any parser, as one line without input text: the `yaml` library's YAMLError (code and
 * linePos), js-yaml's YAMLException (client-node's kubeconfig loader: `mark`, 0-based), V8's JSON SyntaxError
 * (position only). Anything else says only that the text cannot be parsed.
 */
export function describeYamlError(error: unknown): string {
  const fields = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const code = typeof fields['code'] === 'string' ? fields['code'] : undefined;
  const linePos = Array.isArray(fields['linePos']) ? (fields['linePos'][0] as { line?: unknown; col?: unknown } | undefined) : undefined;
  if (code !== undefined && code in YAML_CODES) {
    const position = typeof linePos?.line === 'number' && typeof linePos.col === 'number' ? { line: linePos.line, column: linePos.col } : undefined;
    return describeYamlCode(code, position);
  }
  const mark = fields['mark'] as { line?: unknown; column?: unknown } | undefined;
  if (fields['name'] === 'YAMLException' && typeof mark?.line === 'number' && typeof mark.column === 'number') {
    return `invalid YAML at line ${mark.line + 1}, column ${mark.column + 1}`;
  }
  if (error instanceof SyntaxError) {
    // V8 quotes the text around the fault; only the offset is kept.
    const offset = /\bposition (\d{1,12})\b/.exec(error.message)?.[1];
    return `invalid JSON${offset === undefined ? '' : ` at offset ${offset}`}`;
  }
  return 'the text cannot be parsed';
}
