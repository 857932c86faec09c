import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Schema } from 'yaml';
import { LIMITS, type Limits } from '../../src/io/limits.js';
import { ReadBudget } from '../../src/io/read-budget.js';
import { composeDocuments, flattensStrings, forEachDocument, parseYamlFile, parseYamlValues } from '../../src/io/yaml-parse.js';

const CANARY = 'CANARY-yaml-7f3a';
const read = (text: string, limits: Partial<Limits> = {}) => parseYamlValues(text, 'in.yaml', new ReadBudget({ ...LIMITS, ...limits }));
const messages = (text: string, limits: Partial<Limits> = {}): string[] => read(text, limits).problems.map((problem) => `${problem.file?.path}#${problem.file?.index}: ${problem.message}`);

describe('parseYamlValues: YAML that is wrong', () => {
  it('an unquoted value starting with * is an alias to nothing: line and column, never the value', () => {
    const result = read(`a: 1\n---\nstringData:\n  password: *${CANARY}\n`);
    expect(result.values).toEqual([{ index: 0, value: { a: 1 } }]);
    expect(messages(`a: 1\n---\nstringData:\n  password: *${CANARY}\n`)).toEqual([
      'in.yaml#1: invalid YAML at line 4, column 13: an alias names no anchor defined before it (quote values that start with *)',
    ]);
  });

  it('a syntax error says the code in words, never the library message (which quotes the line)', () => {
    const [line] = messages(`a: "${CANARY}\nb: [\n`);
    expect(line).toMatch(/^in\.yaml#0: invalid YAML at line \d+, column \d+: .+ \([A-Z_]+\)$/);
    expect(line).not.toContain(CANARY);
  });

  it('refuses duplicate keys, also when they differ only in type (1 and "1" are one property)', () => {
    expect(messages('a: 1\nb: 2\na: 3\n')).toEqual(['in.yaml#0: invalid YAML at line 3, column 1: a mapping key appears twice (DUPLICATE_KEY)']);
    expect(messages('1: a\n"1": b\n')).toEqual(['in.yaml#0: invalid YAML at line 2, column 1: a mapping key appears twice (DUPLICATE_KEY)']);
    expect(messages('{a: 1, a: 2}\n')[0]).toContain('DUPLICATE_KEY');
  });

  it('finds duplicates among 100,000 keys in linear time (the library’s own check is quadratic)', () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `k${i}: 1`).join('\n');
    expect(messages(`${keys}\nk5: 2\n`, { documentTokens: 10_000_000, inputTokens: 10_000_000 })).toEqual([
      'in.yaml#0: invalid YAML at line 100001, column 1: a mapping key appears twice (DUPLICATE_KEY)',
    ]);
    // A quadratic check (5e9 comparisons) hangs well past the test's timeout; speed itself is the benchmark's figure.
  }, 30_000);

  it('refuses keys that are collections or aliases (a JSON object has string keys)', () => {
    expect(messages('[a]: 1\n')).toEqual(['in.yaml#0: invalid YAML at line 1, column 1: a mapping key is not a plain value']);
    expect(messages('x: &k a\n*k : 1\n')).toEqual(['in.yaml#0: invalid YAML at line 2, column 1: a mapping key is not a plain value']);
  });

  it('refuses an alias to the collection that holds it', () => {
    expect(messages('a: &x [1, *x]\n')).toEqual(['in.yaml#0: invalid YAML at line 1, column 11: an alias refers to a collection that contains it']);
  });

  it('keeps reading the other documents after a bad one', () => {
    const result = read('a: 1\n---\nb: [\n---\nc: 3\n');
    expect(result.values.map((value) => value.index)).toEqual([0, 2]);
    expect(result.problems.map((problem) => problem.file?.index)).toEqual([1]);
  });

  it('reads every document as JSON data: no YAML 1.1 types, no library-specific tags (an !!omap alias to nothing was exit 3 and quoted its name)', () => {
    expect(messages(`!!omap\n- *${CANARY}\n`)).toEqual(['in.yaml#0: invalid YAML at line 2, column 3: an alias names no anchor defined before it (quote values that start with *)']);
    expect(messages(`%YAML 1.1\n--- !!pairs\n- a: *${CANARY}\n`)).toEqual(['in.yaml#0: invalid YAML at line 3, column 6: an alias names no anchor defined before it (quote values that start with *)']);
    expect(read('%YAML 1.1\n---\nd: 2001-12-14\ny: yes\n<<: {m: 1}\ns: !!set {a}\no: !!omap [a: 1]\nb: !!binary aGk=\n').values).toEqual([
      { index: 0, value: { d: '2001-12-14', y: 'yes', '<<': { m: 1 }, s: { a: null }, o: [{ a: 1 }], b: 'aGk=' } },
    ]);
    const laughs = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 6; i++) laughs.push(`a${i}: &a${i} !!omap [${Array.from({ length: 10 }, (_, k) => `k${k}: *a${i - 1}`).join(', ')}]`);
    expect(messages(laughs.join('\n'))[0]).toContain('expands to more than 1,000,000 nodes');
  });

  it('accepts ordinary aliases and expands them', () => {
    expect(read('base: &b {x: 1}\nuse: *b\n').values).toEqual([{ index: 0, value: { base: { x: 1 }, use: { x: 1 } } }]);
  });
});

describe('parseYamlValues: bounds', () => {
  it('a billion laughs is refused by what it expands to, in a moment, with one line', () => {
    const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i <= 9; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
    expect(messages(lines.join('\n'))).toEqual([
      'in.yaml#0: too large: the input expands to more than 1,000,000 nodes in all (through aliases) (an imps-krm input limit)',
    ]);
    // Expanded, it is a billion nodes: a reader that expanded it first would not finish before the timeout.
  }, 30_000);

  it('counts aliases per document', () => {
    const text = `a: &a 1\n${Array.from({ length: 101 }, (_, i) => `r${i}: *a`).join('\n')}\n`;
    expect(messages(text)).toEqual([
      'in.yaml#0: too large at line 102, column 7: more than 100 aliases in one document (an imps-krm input limit)',
    ]);
  });

  it('expanded bytes: one long value aliased many times', () => {
    const text = `a: &a ${'x'.repeat(1000)}\n${Array.from({ length: 20 }, (_, i) => `r${i}: *a`).join('\n')}\n`;
    expect(messages(text, { expandedBytes: 10_000 })[0]).toBe(
      "in.yaml#0: too large: the input's values expand to more than 10,000 bytes in all (through aliases) (an imps-krm input limit)",
    );
  });

  it('nesting deeper than the limit, written out or through an alias', () => {
    const deep = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    expect(read(`a: ${deep(LIMITS.depth - 1)}\n`).problems).toEqual([]);
    expect(messages(`a: ${deep(LIMITS.depth)}\n`)).toEqual([
      `in.yaml#0: too large at line 1, column ${4 + LIMITS.depth - 1}: nested deeper than ${LIMITS.depth} levels (an imps-krm input limit)`,
    ]);
    expect(messages(`a: &d ${deep(LIMITS.depth - 2)}\nb: [[*d]]\n`)[0]).toContain(`nested deeper than ${LIMITS.depth} levels once aliases are expanded`);
  });

  it('100,000 levels of nesting are refused by the token limit before anything recurses', () => {
    expect(messages(`a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`)[0]).toMatch(/too large at line 1, column \d+: a document has more than 160,000 YAML tokens/);
  });

  it('tokens are bounded per document: documents that each fit are read, one that does not is refused by its index', () => {
    // Ten items are 51 tokens.
    const limits = { documentTokens: 60, inputTokens: 1000 };
    const doc = (items: number): string => '- a\n'.repeat(items);
    expect(read([doc(10), doc(10), doc(10)].join('---\n'), limits).values).toHaveLength(3);
    expect(messages([doc(10), doc(15), doc(10)].join('---\n'), limits)).toEqual([
      'in.yaml#1: too large at line 23, column 3: a document has more than 60 YAML tokens (lines of long values count as tokens) (an imps-krm input limit)',
    ]);
  });

  it('tokens in all: the run’s budget is shared by every file, and a spent budget stops the next reads', () => {
    const budget = new ReadBudget({ ...LIMITS, documentTokens: 60, inputTokens: 80 });
    expect(parseYamlValues('- a\n'.repeat(10), 'one.yaml', budget).problems).toEqual([]);
    expect(parseYamlValues('- a\n'.repeat(10), 'two.yaml', budget).problems.map((problem) => problem.message)).toEqual([
      'too large at line 6, column 3: the input has more than 80 YAML tokens in all (lines of long values count as tokens) (an imps-krm input limit)',
    ]);
    expect(budget.exhausted).toBe(true);
    expect(parseYamlValues('a: 1\n', 'three.yaml', budget)).toEqual({ values: [], problems: [] });
  });

  it('a face that keeps every syntax tree (fn, the legacy plugin) is bounded by the tokens it keeps in all, not per document', () => {
    const budget = new ReadBudget({ ...LIMITS, documentTokens: 10, retainedTokens: 80 }, 'whole-input');
    expect(composeDocuments('- a\n'.repeat(10), '<stdin>', budget).problems).toEqual([]);
    expect(composeDocuments('- a\n'.repeat(10), 'extra.yaml', budget).problems.map((problem) => problem.message)).toEqual([
      'too large at line 6, column 3: the input has more than 80 YAML tokens in all (lines of long values count as tokens) (an imps-krm input limit)',
    ]);
  });

  it('every line of a multi-line value costs a token', () => {
    expect(messages(`a: |\n${'  x\n'.repeat(200)}`, { documentTokens: 100 })[0]).toContain('more than 100 YAML tokens');
    expect(messages(`a: |\n${'  x\n'.repeat(50)}`, { documentTokens: 100 })).toEqual([]);
  });

  it('hands each document over as soon as it ends, before the next one is parsed (one syntax tree at a time)', () => {
    // The library's Composer alone holds a document until the next one is complete: here the next one is refused
    // halfway, so the first would never be seen.
    const seen: number[] = [];
    const problems = forEachDocument(`a: 1\n---\nb: 2\n---\nc: ${'x'.repeat(2000)}\n`, 'in.yaml', new ReadBudget({ ...LIMITS, scalarBytes: 1000 }), ({ index }) => seen.push(index));
    expect(seen).toEqual([0, 1]);
    expect(problems.map((problem) => `${problem.file?.index}: ${problem.message}`)).toEqual([
      '2: too large at line 5, column 4: a value or comment is longer than 1,000 bytes (an imps-krm input limit)',
    ]);
    // A document closed by `...` is handed over at its end marker, with the comment after it kept for the next one.
    const ended: string[] = [];
    forEachDocument('a: 1\n...\n# next\n---\nb: 2\n', 'in.yaml', new ReadBudget(), ({ doc }) => ended.push(doc.toString()));
    expect(ended).toEqual(['a: 1\n...\n', '# next\n---\nb: 2\n']);
  });

  it('a value longer than the scalar limit, and a double-quoted one longer than its own', () => {
    expect(messages(`a: ${'x'.repeat(2000)}\n`, { scalarBytes: 1000 })).toEqual([
      'in.yaml#0: too large at line 1, column 4: a value or comment is longer than 1,000 bytes (an imps-krm input limit)',
    ]);
    expect(messages(`a: b\nc: "${'x'.repeat(600)}"\n`, { doubleQuotedBytes: 512 })).toEqual([
      'in.yaml#0: too large at line 2, column 4: a double-quoted value is longer than 512 bytes (write it as a block scalar, |) (an imps-krm input limit)',
    ]);
    expect(messages(`a: '${'x'.repeat(600)}'\n`, { doubleQuotedBytes: 512 })).toEqual([]);
  });

  it('a refused input never puts its text in a message', () => {
    for (const text of [`${CANARY}: &x [*x]`, `a: *${CANARY}`, `"${CANARY}`, `[${CANARY}`, `{${CANARY}: 1, ${CANARY}: 2}`, `${CANARY}\n\t- x`]) {
      for (const message of messages(text)) expect(message).not.toContain(CANARY);
    }
  });
});

describe('parseYamlValues: time and robustness', () => {
  // Built from the characters that steer a YAML lexer, repeated: the shapes that make backtracking parsers slow.
  const unit = fc.array(fc.constantFrom(' ', '\t', '\n', ':', '- ', '? ', '"', "'", '\\', '#', '[', ']', '{', '}', ',', '&a ', '*a ', '!', '|', '>', 'x', '%', '@', '---\n', '\r'), { minLength: 1, maxLength: 8 });

  it('never throws and never quotes the input on adversarial repetitions (a hang fails by the timeout)', () => {
    fc.assert(
      fc.property(unit, fc.boolean(), (parts, prefixed) => {
        const piece = parts.join('');
        const text = `${prefixed ? `${CANARY}: ` : ''}${piece.repeat(Math.ceil(10_000 / piece.length))}`;
        const result = parseYamlValues(text, 'in.yaml', new ReadBudget());
        for (const problem of result.problems) expect(problem.message).not.toContain(CANARY);
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('grows linearly: twice the input costs about twice the time, never four times', () => {
    const time = (text: string): number => {
      const started = performance.now();
      parseYamlValues(text, 'in.yaml', new ReadBudget({ ...LIMITS, documentTokens: Number.MAX_SAFE_INTEGER, inputTokens: Number.MAX_SAFE_INTEGER }));
      return performance.now() - started;
    };
    for (const piece of ['a: @  ', '- ', '? ', 'a:\n ', 'x  ', '[', '{a: ']) {
      // Median of three to ride out a busy machine.
      const median = (text: string): number => [time(text), time(text), time(text)].sort((a, b) => a - b)[1]!;
      const small = median(piece.repeat(4_000));
      const large = median(piece.repeat(16_000));
      expect(large / Math.max(small, 1), JSON.stringify(piece)).toBeLessThan(10); // 4x the input: quadratic would be 16x
    }
  }, 120_000);
});

describe('the string flattening hook', () => {
  it('is installed on the library’s one string tag (fails if a yaml upgrade moves it)', () => {
    const tag = (new Schema({}) as unknown as Record<symbol, { resolve: { flattens?: boolean } } | undefined>)[Symbol.for('yaml.scalar')];
    expect(flattensStrings).toBe(true);
    expect(tag?.resolve.flattens).toBe(true);
  });

  it('still resolves strings to themselves', () => {
    expect(read('a: "x\\ty"\nb: |\n  line\n').values[0]?.value).toEqual({ a: 'x\ty', b: 'line\n' });
  });
});

describe('composeDocuments and parseYamlFile', () => {
  it('keeps the Document (comments, styles) for faces that write items back', () => {
    const { documents, problems } = composeDocuments('# head\na: 1 # tail\n', 'x.yaml', new ReadBudget());
    expect(problems).toEqual([]);
    expect(documents[0]?.doc.toString()).toBe('# head\na: 1 # tail\n');
  });

  it('parseYamlFile: one line naming the file, for a kubeconfig whose token line is broken', () => {
    const kubeconfig = `users:\n- name: u\n  user:\n    token: "${CANARY}\n`;
    const result = parseYamlFile(kubeconfig, '/home/me/.kube/config', new ReadBudget());
    expect(result).toEqual({ error: expect.stringMatching(/^\/home\/me\/\.kube\/config: invalid YAML at line \d+, column \d+: .+ \(MISSING_CHAR\)$/) });
    expect(JSON.stringify(result)).not.toContain(CANARY);
  });
});
