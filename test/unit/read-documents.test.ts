// readDocuments: every file-system failure is one problem naming the file (never a throw: a throw is exit 3), and
// settings written by an untrusted author (`files`) stay inside the input root.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readDocuments } from '../../src/io/documents.js';
import { inputRoot, type InputRoot } from '../../src/io/input-files.js';
import { LIMITS } from '../../src/io/limits.js';
import { ReadBudget } from '../../src/io/read-budget.js';

let dir: string;
let app: string;
let root: InputRoot;

beforeEach(async () => {
  // repo/app is the working directory, repo/ the root; outside/ is another tenant's checkout next to it.
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'imps-krm-read-')));
  app = join(dir, 'repo', 'app');
  mkdirSync(app, { recursive: true });
  mkdirSync(join(dir, 'repo', 'shared'));
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'repo', 'shared', 'ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shared}\n');
  writeFileSync(join(dir, 'outside', 'secret.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata: {name: CANARY-other-tenant}\n');
  const found = await inputRoot(join(dir, 'repo'), 'the repository');
  if ('message' in found) throw new Error(found.message);
  root = found;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const read = (paths: string[], options: { root?: InputRoot; field?: string; budget?: ReadBudget } = {}) =>
  readDocuments(paths, { cwd: app, budget: options.budget ?? new ReadBudget(), root: options.root, field: options.field });
const lines = (problems: ReadonlyArray<{ file?: { path: string } | undefined; field?: string | undefined; message: string }>): string[] =>
  problems.map((problem) => `${problem.field ?? problem.file?.path}: ${problem.message}`);

describe('readDocuments: file-system failures are one line each, naming the file', () => {
  it('a dangling link, a link loop, a link to a folder, a FIFO, a non-UTF-8 file', async () => {
    symlinkSync('nowhere.yaml', join(app, 'a-dangling.yaml'));
    symlinkSync('b-loop.yaml', join(app, 'b-loop.yaml'));
    symlinkSync(join(dir, 'repo', 'shared'), join(app, 'c-folder.yaml'));
    execFileSync('mkfifo', [join(app, 'd-fifo.yaml')]);
    writeFileSync(join(app, 'e-latin1.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0x70, 0xe4, 0x73, 0x73, 0x0a])); // "a: päss" in Latin-1
    const result = await read(['.']); // a FIFO waited on would never return: the test would time out
    expect(lines(result.problems)).toEqual([
      'a-dangling.yaml: no such file or directory (or a symbolic link to nothing)',
      'b-loop.yaml: too many levels of symbolic links (a loop)',
      'c-folder.yaml: a symbolic link to a folder; not followed',
      'd-fifo.yaml: not a regular file',
      'e-latin1.yaml: not UTF-8 text (invalid byte at offset 4)',
    ]);
  });

  it('a folder named like a manifest is walked, as kubectl does; a missing path names itself', async () => {
    mkdirSync(join(app, 'more.yaml'));
    writeFileSync(join(app, 'more.yaml', 'ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: inner}\n');
    const result = await read(['.', 'missing.yaml']);
    expect(result.documents.map((document) => document.origin.path)).toEqual(['more.yaml/ns.yaml']);
    expect(lines(result.problems)).toEqual(['missing.yaml: no such file or directory (or a symbolic link to nothing)']);
  });

  it('the byte budget is charged before a file is read, and a spent budget stops the run', async () => {
    writeFileSync(join(app, 'a.yaml'), 'a: 1\n');
    writeFileSync(join(app, 'b.yaml'), `b: ${'x'.repeat(200)}\n`);
    writeFileSync(join(app, 'c.yaml'), 'c: 1\n');
    const result = await read(['.'], { budget: new ReadBudget({ ...LIMITS, inputBytes: 100 }) });
    expect(result.documents.map((document) => document.origin.path)).toEqual(['a.yaml']);
    expect(lines(result.problems)).toEqual(['b.yaml: too large: the input is larger than 100 bytes in all (an imps-krm input limit)']);
  });
});

describe('readDocuments: confinement', () => {
  it('render -f (no root): the person running it chose the path, links are followed anywhere', async () => {
    symlinkSync(join(dir, 'outside', 'secret.yaml'), join(app, 'linked.yaml'));
    const result = await read(['.', join(dir, 'outside', 'secret.yaml')]);
    expect(result.problems).toEqual([]);
    expect(result.documents).toHaveLength(2);
  });

  it('a folder read for the repository: a link that leaves it is refused, one inside is read', async () => {
    symlinkSync(join(dir, 'outside', 'secret.yaml'), join(app, 'escape.yaml'));
    symlinkSync('../shared/ns.yaml', join(app, 'inside.yaml'));
    const result = await read(['.'], { root });
    expect(lines(result.problems)).toEqual(['escape.yaml: a symbolic link that leaves the repository; refused']);
    expect(result.documents.map((document) => document.origin.path)).toEqual(['inside.yaml']);
  });

  it('files: relative entries inside the root are read, wherever they sit in it', async () => {
    const result = await read(['../shared/ns.yaml', '../shared'], { root, field: 'ARGOCD_ENV_FILES' });
    expect(result.problems).toEqual([]);
    expect(result.documents).toHaveLength(2);
  });

  it('files: absolute paths, .. above the root and links out are refused by setting and index, never read', async () => {
    symlinkSync(join(dir, 'outside'), join(dir, 'repo', 'shared', 'out'));
    symlinkSync(join(dir, 'outside', 'secret.yaml'), join(app, 'looks-local.yaml'));
    const result = await read(
      [join(dir, 'outside', 'secret.yaml'), '../../outside/secret.yaml', '../shared/out/secret.yaml', 'looks-local.yaml', '../shared/out', 'gone.yaml'],
      { root, field: 'ARGOCD_ENV_FILES' },
    );
    expect(result.documents).toEqual([]);
    expect(lines(result.problems)).toEqual([
      'ARGOCD_ENV_FILES[0]: must be a relative path inside the repository',
      'ARGOCD_ENV_FILES[1]: must stay inside the repository (relative path; .. and symbolic links may not leave it)',
      'ARGOCD_ENV_FILES[2]: must stay inside the repository (relative path; .. and symbolic links may not leave it)',
      'ARGOCD_ENV_FILES[3]: must stay inside the repository (relative path; .. and symbolic links may not leave it)',
      'ARGOCD_ENV_FILES[4]: must stay inside the repository (relative path; .. and symbolic links may not leave it)',
      'ARGOCD_ENV_FILES[5]: no such file or directory (or a symbolic link to nothing)',
    ]);
    expect(JSON.stringify(result)).not.toContain('CANARY');
  });

  it('files: a folder entry inside the root may not hold a link that leaves it', async () => {
    symlinkSync(join(dir, 'outside', 'secret.yaml'), join(dir, 'repo', 'shared', 'sneaky.yaml'));
    const result = await read(['../shared'], { root, field: 'files' });
    expect(lines(result.problems)).toEqual(['../shared/sneaky.yaml: a symbolic link that leaves the repository; refused']);
    expect(result.documents.map((document) => document.origin.path)).toEqual(['../shared/ns.yaml']);
  });
});
