// Byte-level mutation of valid inputs: the golden fixtures (test/fixtures/, examples/) are the seed corpus, and each
// mutation is a short list of edits drawn by fast-check (so a failure shrinks to the fewest edits): flip, insert or
// delete bytes, duplicate or drop a range, splice in YAML syntax or bytes that are not UTF-8, cut the end.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { isMap, isScalar, parseAllDocuments, visit } from 'yaml';
import { REPO } from '../e2e/cli-on-path.js';

export interface Seed {
  readonly path: string;
  readonly bytes: Buffer;
}

function walk(dir: string, into: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) walk(full, into);
    else if (/\.ya?ml$|\.json$/.test(entry.name) && !entry.name.startsWith('expected') && entry.name !== 'case.yaml') into.push(full);
  }
}

/** Every input manifest of the golden folders and the examples, sorted so a seed names the same input everywhere. */
export function seedCorpus(under: readonly string[] = ['test/fixtures', 'examples']): Seed[] {
  const files: string[] = [];
  for (const dir of under) walk(join(REPO, dir), files);
  return files.sort().map((path) => ({ path: relative(REPO, path), bytes: readFileSync(path) }));
}

const SNIPPETS = [
  '*a', '&a ', '!!binary ', '!!str ', '!local ', '<<: *a\n', '? ', '- ', ': ', '{a: [b, {c: d}]}', '[', ']', '{', '}', ',', '---\n', '...\n', '%YAML 1.1\n',
  '#', '|', '>-', '"', "'", '\\', '\t', '\r\n', '\r', '\n  ', '\n- ', 'null', '~', 'yes', '0x', '1e9999', '9'.repeat(40), '\u2028', '\u0085', '\ufeff', '\u202e',
  '\u001b[2K', 'é', '\u0000', 'apiVersion: v1\nkind: Secret\n', 'kind: ImagePullSecret\n', 'type: kubernetes.io/dockerconfigjson\n', 'namespace: kube-system\n',
  'matchLabels: {a: b}\n', 'excludeNamespaces: ["*a*a*a*a*a*a*b"]\n', 'files: [/etc/passwd]\n', 'files: [../../x.yaml]\n', 'kubeconfig: /tmp/k\n',
];
const BYTES = [0x00, 0x0a, 0x0d, 0x09, 0x20, 0x22, 0x27, 0x3a, 0x2d, 0x2a, 0x26, 0x21, 0x7b, 0x5b, 0x23, 0x7f, 0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xef, 0xf0, 0xf8, 0xfe, 0xff];

type Edit =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'byte'; readonly at: number; readonly byte: number }
  | { readonly op: 'snippet'; readonly at: number; readonly text: string }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'duplicate'; readonly at: number; readonly length: number; readonly times: number }
  | { readonly op: 'cut'; readonly at: number };

const at = fc.nat();
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('byte' as const), at, byte: fc.oneof(fc.constantFrom(...BYTES), fc.integer({ min: 0, max: 255 })) }),
  { weight: 3, arbitrary: fc.record({ op: fc.constant('snippet' as const), at, text: fc.constantFrom(...SNIPPETS) }) },
  fc.record({ op: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at, length: fc.integer({ min: 1, max: 256 }), times: fc.integer({ min: 1, max: 50 }) }),
  fc.record({ op: fc.constant('cut' as const), at }),
);

/** Applies the edits in order; positions wrap around the current length. */
export function applyEdits(bytes: Buffer, edits: readonly Edit[]): Buffer {
  let out = Buffer.from(bytes);
  for (const e of edits) {
    const n = out.length;
    const i = n === 0 ? 0 : e.at % (n + 1);
    switch (e.op) {
      case 'flip':
        if (n > 0) out[i % n] = out[i % n]! ^ (1 << e.bit);
        break;
      case 'byte':
        out = Buffer.concat([out.subarray(0, i), Buffer.from([e.byte]), out.subarray(i)]);
        break;
      case 'snippet':
        out = Buffer.concat([out.subarray(0, i), Buffer.from(e.text), out.subarray(i)]);
        break;
      case 'delete':
        out = Buffer.concat([out.subarray(0, i), out.subarray(i + e.length)]);
        break;
      case 'duplicate': {
        const piece = out.subarray(i, i + e.length);
        out = Buffer.concat([out.subarray(0, i), ...Array<Buffer>(e.times).fill(piece), out.subarray(i)]);
        break;
      }
      case 'cut':
        out = out.subarray(0, i);
        break;
    }
  }
  return out;
}

export const edits = fc.array(edit, { minLength: 1, maxLength: 6 });

/**
 * The canaries (`CANARY…`, as the golden folders name credentials) that a mutated text still holds as values: a
 * mutation that turns one into a mapping key makes it a name, which messages may cite.
 */
export function valueCanaries(bytes: Buffer): string[] {
  const text = bytes.toString('utf8');
  const all = new Set(text.match(/CANARY[\w-]*/g) ?? []);
  if (all.size === 0) return [];
  const inKeys = new Set<string>();
  try {
    for (const doc of parseAllDocuments(text, { uniqueKeys: false }) as Iterable<{ contents: unknown }>) {
      visit(doc.contents as Parameters<typeof visit>[0], {
        Pair(_key, pair) {
          const key = pair.key;
          // A collection key by its source text: converting it (toJSON) would expand its aliases, and an alias bomb the
          // mutations made then took the test worker past 500 MB (V8: "Zone Allocation failed") before the face saw it.
          const found = isScalar(key) ? String(key.value) : isMap(key) && key.range ? text.slice(key.range[0], key.range[2]) : '';
          for (const canary of found.match(/CANARY[\w-]*/g) ?? []) inKeys.add(canary);
        },
      });
    }
  } catch {
    // Unparseable: no key is a key; every canary stays checked.
  }
  return [...all].filter((canary) => ![...inKeys].some((key) => key.startsWith(canary) || canary.startsWith(key)));
}
