// Arbitrary YAML text, written by a small emitter of our own rather than the `yaml` library's stringify (which only
// writes the tidy forms): block and flow collections mixed, anchors, aliases (some to nothing, some to their own
// collection), tags (core, YAML 1.1, local, verbatim), every scalar style, odd unicode, comments, directives, document
// markers, a byte-order mark, CRLF. Scalars that are not keys may carry a canary: the reader must never print them.
import fc from 'fast-check';
import { CANARY_MARK, onceIn } from './schema-arbitrary.js';

export interface YamlText {
  readonly text: string;
  /** Canaries planted in values (never in keys, which messages may name). */
  readonly secrets: readonly string[];
}

type Node =
  | { readonly kind: 'scalar'; readonly value: string; readonly style: ScalarStyle; readonly props: Props }
  | { readonly kind: 'alias'; readonly name: string }
  | { readonly kind: 'map'; readonly flow: boolean; readonly pairs: ReadonlyArray<readonly [Node, Node]>; readonly props: Props }
  | { readonly kind: 'seq'; readonly flow: boolean; readonly items: readonly Node[]; readonly props: Props };

type ScalarStyle = 'plain' | 'single' | 'double' | 'literal' | 'folded';
interface Props {
  readonly anchor?: string | undefined;
  readonly tag?: string | undefined;
}

const ANCHORS = ['a', 'b', 'base', 'x1', 'k'];
const TAGS = ['!!str', '!!int', '!!float', '!!bool', '!!null', '!!map', '!!seq', '!!binary', '!!set', '!!omap', '!!timestamp', '!local', '!<tag:yaml.org,2002:str>', '!e!x', '!!merge'];

/** Text that looks like another type or breaks a naive reader. */
const TRICKY = [
  '', ' ', '~', 'null', 'Null', 'true', 'yes', 'no', 'on', 'off', 'y', 'n', '0', '-0', '0x1F', '0o17', '017', '1_000', '1e3', '.inf', '-.Inf', '.nan',
  '1:20', '2001-12-14t21:59:43.10-05:00', '=', '<<', '- x', 'a: b', '# c', '&a', '*a', '!t', '|', '>', '%', '@', '`', '"', "'", '\\', '{}', '[]',
  '---', '...', '\t', '\r', '\u0085', '\u2028', '\u00a0', '\ufeff', '\u0000', '\u001b[31m', 'é', '日本', '👍🏽', '\u202e', 'a'.repeat(300),
];

const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
const anyText = fc.oneof(
  { weight: 3, arbitrary: word },
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
);
const scalarStyle = fc.constantFrom<ScalarStyle>('plain', 'plain', 'plain', 'single', 'double', 'literal', 'folded');
const props: fc.Arbitrary<Props> = fc.record(
  { anchor: onceIn(6, fc.constantFrom(...ANCHORS)), tag: onceIn(8, fc.constantFrom(...TAGS)) },
  { requiredKeys: [] },
);

/** A scalar; `canary` is appended to values when the generator says so. */
const scalar = (canary: boolean): fc.Arbitrary<Node> =>
  fc.record({ value: anyText, style: scalarStyle, props, planted: canary ? fc.boolean() : fc.constant(false) }).map(({ value, style, props, planted }) => ({
    kind: 'scalar' as const,
    value: planted ? `${value}${CANARY_MARK}` : value,
    style,
    props,
  }));


const alias: fc.Arbitrary<Node> = fc.constantFrom(...ANCHORS, 'nothing').map((name) => ({ kind: 'alias' as const, name }));

const { node } = fc.letrec<{ node: Node; key: Node }>((tie) => ({
  key: fc.oneof({ weight: 8, arbitrary: scalar(false) }, { weight: 1, arbitrary: alias }, { weight: 1, arbitrary: tie('node') }),
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: scalar(true) },
    { weight: 1, arbitrary: alias },
    { weight: 3, arbitrary: fc.record({ flow: fc.boolean(), pairs: fc.array(fc.tuple(tie('key'), tie('node')), { maxLength: 5 }), props }).map((map) => ({ kind: 'map' as const, ...map })) },
    { weight: 2, arbitrary: fc.record({ flow: fc.boolean(), items: fc.array(tie('node'), { maxLength: 5 }), props }).map((seq) => ({ kind: 'seq' as const, ...seq })) },
  ),
}));

const propsText = ({ anchor, tag }: Props): string => `${tag ? `${tag} ` : ''}${anchor ? `&${anchor} ` : ''}`;

function scalarText(value: string, style: ScalarStyle, indent: number, inFlow: boolean): string {
  switch (style) {
    case 'plain':
      return value;
    case 'single':
      return `'${value.replaceAll("'", "''")}'`;
    case 'double':
      return JSON.stringify(value);
    default: {
      if (inFlow) return JSON.stringify(value);
      const pad = ' '.repeat(indent + 2);
      return `${style === 'literal' ? '|' : '>'}\n${value.split('\n').map((line) => `${pad}${line}`).join('\n')}`;
    }
  }
}

/** Emits `node` at `indent`; `inFlow` forces flow forms (block collections cannot sit inside flow ones). */
function emit(node: Node, indent: number, inFlow: boolean): string {
  switch (node.kind) {
    case 'alias':
      return `*${node.name}`;
    case 'scalar':
      return `${propsText(node.props)}${scalarText(node.value, node.style, indent, inFlow)}`;
    case 'map': {
      if (node.flow || inFlow || node.pairs.length === 0) {
        return `${propsText(node.props)}{${node.pairs.map(([k, v]) => `${emit(k, indent, true)}: ${emit(v, indent, true)}`).join(', ')}}`;
      }
      const pad = ' '.repeat(indent);
      const body = node.pairs
        .map(([k, v]) => {
          const key = k.kind === 'scalar' || k.kind === 'alias' ? emit(k, indent, true) : `? ${emit(k, indent + 2, false)}\n${pad}`;
          const value = v.kind === 'map' || v.kind === 'seq' ? (isBlock(v) ? `${propsText(v.props)}\n${emit(stripProps(v), indent + 2, false)}` : emit(v, indent + 2, false)) : emit(v, indent, false);
          return `${pad}${key}: ${value}`;
        })
        .join('\n');
      return node.props.anchor || node.props.tag ? `${propsText(node.props)}\n${body}` : body.slice(indent);
    }
    case 'seq': {
      if (node.flow || inFlow || node.items.length === 0) return `${propsText(node.props)}[${node.items.map((item) => emit(item, indent, true)).join(', ')}]`;
      const pad = ' '.repeat(indent);
      const body = node.items.map((item) => `${pad}- ${emit(item, indent + 2, false).trimStart()}`).join('\n');
      return node.props.anchor || node.props.tag ? `${propsText(node.props)}\n${body}` : body.slice(indent);
    }
  }
}

const isBlock = (node: Node): boolean => (node.kind === 'map' || node.kind === 'seq') && !(node.kind === 'map' ? node.flow || node.pairs.length === 0 : node.flow || node.items.length === 0);
const stripProps = (node: Node): Node => (node.kind === 'map' || node.kind === 'seq' ? { ...node, props: {} } : node);

const DIRECTIVES = ['%YAML 1.2', '%YAML 1.1', '%TAG !e! tag:example.com,2000:', '%FOO bar', '%YAML 9.9'];

/** A whole stream: documents with optional markers, directives and comments; then a BOM, CRLF, a trailing cut. */
export const yamlText: fc.Arbitrary<YamlText> = fc
  .record({
    documents: fc.array(
      fc.record({
        root: node,
        directive: onceIn(8, fc.constantFrom(...DIRECTIVES)),
        start: fc.boolean(),
        end: fc.boolean(),
        comment: onceIn(5, fc.string({ maxLength: 10 })),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    bom: fc.boolean(),
    crlf: fc.boolean(),
    cut: onceIn(8, fc.nat()),
  })
  .map(({ documents, bom, crlf, cut }) => {
    let text = documents
      .map(({ root, directive, start, end, comment }, i) => {
        const head = `${directive ? `${directive}\n---\n` : start || i > 0 ? '---\n' : ''}${comment !== undefined ? `# ${comment.replace(/[\r\n]/g, ' ')}\n` : ''}`;
        return `${head}${emit(root, 0, false)}\n${end ? '...\n' : ''}`;
      })
      .join('');
    if (crlf) text = text.replace(/\n/g, '\r\n');
    if (cut !== undefined) text = text.slice(0, text.length - (cut % Math.max(1, text.length)));
    if (bom) text = `\ufeff${text}`;
    return plantCanaries(text);
  });

let counter = 0;
/** Replaces each canary mark by a fresh canary (`CANARY-fz<n>`), and lists them. */
export function plantCanaries(text: string): YamlText {
  const secrets: string[] = [];
  const planted = text.replaceAll(CANARY_MARK, () => {
    const canary = `CANARY-fz${(counter++).toString(36)}x`;
    secrets.push(canary);
    return canary;
  });
  // A cut may have split a mark; what is left of it is noise, not a canary.
  const text_ = planted.replaceAll('\uE0FF', '');
  return { text: text_, secrets: secrets.filter((canary) => text_.includes(canary)) };
}
