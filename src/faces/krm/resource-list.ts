// The ResourceList wire format (KRM Functions Specification v1): parsed as a `yaml` Document so items we pass
// through keep their comments and styles, written back as YAML (kpt writes files in whatever style we emit).
import { Document, isMap, isNode, isScalar, isSeq, YAMLSeq, type ToStringOptions } from 'yaml';
import type { Problem } from '../../core/problems.js';
import type { ReadBudget } from '../../io/read-budget.js';
import { YAML_SCHEMA } from '../../io/yaml-output.js';
import { composeDocuments } from '../../io/yaml-parse.js';
import type { KrmResult } from './results.js';
import { snapshotItems, spliceItems, type SourceItems } from './splice.js';

export const RESOURCE_LIST_API_VERSIONS: readonly string[] = ['config.kubernetes.io/v1', 'config.kubernetes.io/v1beta1'];

/** Block style with sequences flush under their key, as kyaml writes: canonical input comes back byte for byte. */
export const YAML_OPTIONS: ToStringOptions = { lineWidth: 0, indentSeq: false, flowCollectionPadding: false };

export interface ResourceList {
  readonly doc: Document;
  readonly items: YAMLSeq;
  readonly functionConfig: unknown;
  /** Set when the items can be written back into the input text (block-style YAML, no earlier results). */
  readonly source?: SourceItems | undefined;
}

/**
 * A ResourceList; or why the text is not one (`error`: bad usage, exit 2); or a problem with its content (invalid
 * YAML, past a limit: exit 1), said like any input file's, as `<stdin>`.
 */
export function parseResourceList(text: string, budget: ReadBudget): ResourceList | { error: string } | { problem: Problem } {
  if (text.trim() === '') return { error: 'no input on stdin; expected a ResourceList (config.kubernetes.io/v1)' };
  const composed = composeDocuments(text, '<stdin>', budget);
  const problem = composed.problems[0];
  if (problem) return { problem };
  if (composed.documents.length > 1) return { error: 'stdin holds several YAML documents; expected one ResourceList' };
  let doc: Document = composed.documents[0]?.doc ?? new Document(null);
  // Printing options only (YAML 1.1 look-alikes quoted): set after parsing, which they would slow down with warnings.
  doc.setSchema(doc.directives?.yaml.version ?? '1.2', YAML_SCHEMA);
  // Only the envelope is read here: converting the whole list to plain objects is a cost paid at every start.
  if (!isMap(doc.contents) || doc.get('kind') !== 'ResourceList' || !RESOURCE_LIST_API_VERSIONS.includes(String(doc.get('apiVersion')))) {
    return { error: 'stdin is not a ResourceList (apiVersion: config.kubernetes.io/v1, kind: ResourceList)' };
  }
  // JSON input has no comments to keep; rebuilding it gives block-style YAML instead of JSON flow style.
  const json = /^\s*\{/.test(text);
  if (json) doc = new Document(doc.toJS({ maxAliasCount: -1 }), YAML_SCHEMA); // composeDocuments bounded the aliases
  const functionConfig: unknown = doc.get('functionConfig', true);
  const items = doc.get('items', true);
  const empty = items === undefined || items === null || (isScalar(items) && items.value === null);
  if (!empty && !(isSeq(items) && items.items.every(isMap))) return { error: 'ResourceList items must be a list of objects' };
  let seq: YAMLSeq;
  if (isSeq(items)) {
    seq = items;
  } else {
    seq = new YAMLSeq();
    doc.set('items', seq);
  }
  const source = json || doc.has('results') ? undefined : snapshotItems(text, seq);
  return { doc, items: seq, functionConfig: isNode(functionConfig) ? functionConfig.toJSON() : functionConfig, source };
}

/** The output ResourceList: the input text with the items spliced in when possible, else the re-serialised document; `results` last. */
export function writeResourceList(list: ResourceList, results: readonly KrmResult[]): string {
  const spliced = list.source && list.items.items.length > 0 ? spliceItems(list.source, list.items.items, YAML_OPTIONS) : undefined;
  if (spliced !== undefined) {
    const tail = results.length > 0 ? `results:\n${new Document(results, YAML_SCHEMA).toString(YAML_OPTIONS)}` : '';
    return spliced + (spliced.endsWith('\n') || tail === '' ? '' : '\n') + tail;
  }
  if (results.length > 0) list.doc.set('results', list.doc.createNode(results));
  else list.doc.delete('results');
  return list.doc.toString(YAML_OPTIONS);
}
