// Golden folders for shell rendering (test/fixtures/controller/<case>/, the harness's folder format): every
// input/ manifest is rendered with settings {cluster: input, output: shells}; expected.yaml is the YAML stream.
import { describe, expect, it } from 'vitest';
import { renderDocuments } from '../../src/app/render-documents.js';
import { formatProblem } from '../../src/core/problems.js';
import { readDocuments } from '../../src/io/documents.js';
import { toYamlStream } from '../../src/io/yaml-output.js';
import { canaries, expectedOf, loadCases } from '../golden/harness.js';

describe('shell render golden folders', () => {
  for (const golden of loadCases('controller')) {
    it(golden.name, async () => {
      const read = await readDocuments(['input'], async () => '', golden.dir);
      const calls: string[] = [];
      const tokens = { fetchToken: async () => (calls.push('token'), Promise.reject(new Error('no token in shells'))) };
      const rendered = await renderDocuments(read.documents, { cluster: 'input', output: 'shells' }, { tokens });
      const stderr = rendered.problems.map((problem) => `${formatProblem(problem)}\n`).join('');
      const stdout = toYamlStream(rendered.secrets);
      expect(stderr).toBe(expectedOf(golden.dir, 'expected-stderr.txt', stderr));
      expect(stdout).toBe(expectedOf(golden.dir, 'expected.yaml', stdout));
      expect(calls).toEqual([]);
      for (const canary of canaries(golden.dir)) expect(stdout + stderr).not.toContain(canary);
    });
  }
});
