// Label and field selectors with the apiserver's string syntax. A bad selector
// throws SelectorError so the server can answer 400 like the real one does.

import type { KubeObject } from './types.js';

export class SelectorError extends Error {}

type Requirement =
  | { key: string; op: 'exists' | 'notexists' }
  | { key: string; op: 'in' | 'notin'; values: Set<string> }
  | { key: string; op: 'gt' | 'lt'; value: number };

export type Matcher = (obj: KubeObject) => boolean;

const KEY = String.raw`[A-Za-z0-9][-A-Za-z0-9_./]*`;
const VALUE = String.raw`[-A-Za-z0-9_.]*`;
const RE_NOT_EXISTS = new RegExp(String.raw`^!\s*(${KEY})$`);
const RE_EXISTS = new RegExp(String.raw`^(${KEY})$`);
const RE_EQUALITY = new RegExp(String.raw`^(${KEY})\s*(==|=|!=)\s*(${VALUE})$`);
const RE_SET = new RegExp(String.raw`^(${KEY})\s+(in|notin)\s*\(([^()]*)\)$`);
const RE_NUMERIC = new RegExp(String.raw`^(${KEY})\s*(<|>)\s*(-?\d+)$`);

/** Split on commas that are not inside `( )`: `a in (x,y),b` is two requirements. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) throw new SelectorError(`unable to parse requirement: unbalanced ")" in ${JSON.stringify(s)}`);
  }
  if (depth !== 0) throw new SelectorError(`unable to parse requirement: unbalanced "(" in ${JSON.stringify(s)}`);
  parts.push(s.slice(start));
  return parts;
}

function parseRequirement(raw: string): Requirement {
  const part = raw.trim();
  let m: RegExpExecArray | null;
  if ((m = RE_NOT_EXISTS.exec(part))) return { key: m[1] ?? '', op: 'notexists' };
  if ((m = RE_SET.exec(part))) {
    const values = (m[3] ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
    return { key: m[1] ?? '', op: m[2] === 'in' ? 'in' : 'notin', values: new Set(values) };
  }
  if ((m = RE_EQUALITY.exec(part))) {
    return { key: m[1] ?? '', op: m[2] === '!=' ? 'notin' : 'in', values: new Set([m[3] ?? '']) };
  }
  if ((m = RE_NUMERIC.exec(part))) return { key: m[1] ?? '', op: m[2] === '>' ? 'gt' : 'lt', value: Number(m[3]) };
  if ((m = RE_EXISTS.exec(part))) return { key: m[1] ?? '', op: 'exists' };
  throw new SelectorError(`unable to parse requirement: ${JSON.stringify(part)}`);
}

function matchRequirement(r: Requirement, labels: Record<string, string> | undefined): boolean {
  const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.op) {
    case 'exists':
      return has;
    case 'notexists':
      return !has;
    case 'in':
      return value !== undefined && r.values.has(value);
    case 'notin':
      return value === undefined || !r.values.has(value);
    case 'gt':
    case 'lt': {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const n = Number(value);
      return r.op === 'gt' ? n > r.value : n < r.value;
    }
  }
}

export function parseLabelSelector(selector: string | undefined): Matcher | undefined {
  if (selector === undefined || selector.trim() === '') return undefined;
  const reqs = splitTopLevel(selector).map(parseRequirement);
  return (obj) => reqs.every((r) => matchRequirement(r, obj.metadata.labels));
}

function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur === undefined || cur === null ? '' : String(cur);
}

/** `allowed` are the field paths the resource supports; others get 400 like the apiserver. */
export function parseFieldSelector(selector: string | undefined, allowed: readonly string[]): Matcher | undefined {
  if (selector === undefined || selector.trim() === '') return undefined;
  const reqs = selector.split(',').map((raw) => {
    const m = /^\s*([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(raw);
    if (!m) throw new SelectorError(`invalid field selector: ${JSON.stringify(raw)}`);
    const field = m[1] ?? '';
    if (!allowed.includes(field)) throw new SelectorError(`field label not supported: ${field}`);
    return { field, negate: m[2] === '!=', value: m[3] ?? '' };
  });
  return (obj) => reqs.every((r) => (fieldValue(obj, r.field) === r.value) !== r.negate);
}
