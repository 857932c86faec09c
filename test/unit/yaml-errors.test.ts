import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { describeYamlError } from '../../src/io/yaml-errors.js';

const CANARY = 'CANARY-err-41c9';

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('describeYamlError: every parser, never the text', () => {
  it('the yaml library: code in words and position (the library’s message quotes the line)', () => {
    const error = parseDocument(`a: 1\npassword: ["${CANARY}"\n`).errors[0];
    expect(error?.message).toContain(CANARY); // what would leak
    const described = describeYamlError(error);
    expect(described).toBe('invalid YAML at line 3, column 1: the indentation is wrong (or a [ or { is not closed) (BAD_INDENT)');
    expect(described).not.toContain(CANARY);
  });

  it('js-yaml, as client-node loads a kubeconfig: line and column only', () => {
    const error = thrown(() => new KubeConfig().loadFromString(`users:\n- name: u\n  user:\n    token: ${CANARY}: x\n`));
    expect(String(error)).toContain(CANARY); // what would leak
    expect(describeYamlError(error)).toBe('invalid YAML at line 4, column 27');
  });

  it('V8 JSON.parse: the offset only (Node quotes the text around it)', () => {
    const error = thrown(() => JSON.parse(`{"password": ${CANARY}}`));
    expect(String(error)).toContain('CANARY'); // what would leak
    expect(describeYamlError(error)).toMatch(/^invalid JSON( at offset \d+)?$/);
  });

  it('anything else: no text at all', () => {
    expect(describeYamlError(new Error(CANARY))).toBe('the text cannot be parsed');
    expect(describeYamlError(CANARY)).toBe('the text cannot be parsed');
  });
});
