// Writes the items back into the input text instead of re-serialising the whole ResourceList. Items we did not
// change are copied byte for byte, including the `- # comment` form kyaml writes: re-serialised, that comment moves
// above the `-`, and kpt's comment sync then duplicates it in the package file on every render (measured).
import { Document, type Node, type YAMLSeq } from 'yaml';
import { YAML_SCHEMA } from '../../io/yaml-output.js';

/** The input items as they were, to splice against. */
export interface SourceItems {
  readonly text: string;
  readonly seq: YAMLSeq;
  /** Each original item node and its JSON at parse time: a different JSON now means we edited it. */
  readonly originals: ReadonlyMap<unknown, string>;
}

export function snapshotItems(text: string, seq: YAMLSeq): SourceItems | undefined {
  // Flow style (`items: []`) or no items: nothing to keep, the caller re-serialises.
  if (seq.flow || seq.items.length === 0 || !seq.range) return undefined;
  return { text, seq, originals: new Map(seq.items.map((node) => [node, JSON.stringify(toJson(node))])) };
}

/**
 * The input text with the items region rebuilt from `current` (the seq's items now): unchanged originals as their
 * source text, edited originals keep their leading `- # comment` text with the node re-serialised, new items are
 * appended at the list's indentation. Returns undefined when the source cannot be spliced.
 */
export function spliceItems(source: SourceItems, current: readonly unknown[], options: Parameters<Document['toString']>[0]): string | undefined {
  const { text, seq } = source;
  const [seqStart, , seqEnd] = seq.range!;
  const regions = new Map<unknown, { lead: string; body: string; column: number }>();
  let previousEnd = seqStart;
  for (const node of source.originals.keys()) {
    const range = (node as Node).range;
    if (!range) return undefined;
    regions.set(node, { lead: text.slice(previousEnd, range[0]), body: text.slice(range[0], range[2]), column: columnOf(text, range[0]) });
    previousEnd = range[2];
  }
  const seqColumn = columnOf(text, seqStart);
  let out = '';
  for (const node of current) {
    const region = regions.get(node);
    if (region && JSON.stringify(toJson(node)) === source.originals.get(node)) {
      out += region.lead + region.body;
    } else if (region) {
      const copy = (node as Node).clone();
      copy.commentBefore = undefined; // already in `lead`
      out += region.lead + indent(new Document(copy, YAML_SCHEMA).toString(options), region.column);
    } else {
      if (out !== '' && !out.endsWith('\n')) out += '\n';
      out += ' '.repeat(seqColumn) + '- ' + indent(new Document(node, YAML_SCHEMA).toString(options), seqColumn + 2);
    }
  }
  if (out !== '' && !out.endsWith('\n') && seqEnd < text.length) out += '\n';
  return text.slice(0, seqStart) + out + text.slice(seqEnd);
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/** Every line after the first moves right by `column`: the first continues where the lead left off. */
function indent(block: string, column: number): string {
  const pad = ' '.repeat(column);
  return block.replace(/\n(?=.)/g, `\n${pad}`);
}

function toJson(node: unknown): unknown {
  return typeof node === 'object' && node !== null && 'toJSON' in node && typeof node.toJSON === 'function' ? (node.toJSON as () => unknown)() : node;
}
