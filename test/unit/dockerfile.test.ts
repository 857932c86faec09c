// The image is built by the release pipeline: this machine has no container engine. This test checks the Dockerfile
// against what the rest of the repository relies on: the Node line (.nvmrc, the one place it is named), what
// `imps-krm install` lays out (src/faces/install/install-command.ts), where the prewarmed code cache comes from, the
// user the Argo CD sidecar runs as, and the entry point.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { INSTALL_LAYOUT } from '../../src/faces/install/install-command.js';

const REPO = join(import.meta.dirname, '..', '..');
const read = (path: string): string => readFileSync(join(REPO, path), 'utf8');

interface Instruction {
  readonly op: string;
  readonly args: string;
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [, op, args] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
      return { op: op!.toUpperCase(), args: args! };
    });
}

const dockerfile = instructions(read('Dockerfile'));
const lts = read('.nvmrc').trim();
const finalFrom = dockerfile.map((instruction) => instruction.op).lastIndexOf('FROM');
const finalStage = dockerfile.slice(finalFrom);
const installDir = '/opt/imps-krm';

describe('Dockerfile', () => {
  it('builds on the current LTS line named in .nvmrc, the same image for both stages', () => {
    expect(lts).toMatch(/^\d+$/);
    const arg = dockerfile.find((instruction) => instruction.op === 'ARG' && instruction.args.startsWith('NODE_IMAGE='));
    expect(arg?.args).toMatch(new RegExp(`^NODE_IMAGE=node:${lts}-(bookworm|trixie)-slim$`));
    const froms = dockerfile.filter((instruction) => instruction.op === 'FROM').map((instruction) => instruction.args);
    expect(froms).toEqual(['${NODE_IMAGE} AS build', '${NODE_IMAGE}']);
  });

  it('copies into the build stage everything the build reads, and .dockerignore keeps none of it out', () => {
    const copied = dockerfile.slice(0, finalFrom).filter((instruction) => instruction.op === 'COPY').flatMap((instruction) => instruction.args.split(/\s+/).slice(0, -1));
    expect(copied.sort()).toEqual(['package-lock.json', 'package.json', 'schemas', 'scripts', 'src', 'tsconfig.json']);
    const ignored = read('.dockerignore').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
    for (const path of [...copied, 'argocd-cmp']) expect(ignored).not.toContain(path);
  });

  it('runs `install` in the final stage, as root, into the directory on PATH: the prewarmed code cache is made by the Node that runs it', () => {
    const installs = dockerfile.filter((instruction) => instruction.op === 'RUN' && / install /.test(instruction.args));
    expect(installs).toHaveLength(1);
    const install = finalStage.indexOf(installs[0]!);
    expect(install).toBeGreaterThan(0);
    expect(installs[0]!.args).toMatch(new RegExp(`^node \\S+/cli\\.js install ${installDir}( |$)`));
    // Nothing is copied over the installed copy or its cache afterwards, and no code cache comes from elsewhere.
    for (const instruction of finalStage.filter((step) => step.op === 'COPY' || step.op === 'ADD')) {
      expect(instruction.args).not.toContain(installDir);
      expect(instruction.args).not.toContain(INSTALL_LAYOUT.codeCache);
    }
    const user = finalStage.findIndex((instruction) => instruction.op === 'USER');
    expect(user).toBeGreaterThan(install);
    // The cache is keyed by the V8 flags: the run-time NODE_OPTIONS must already be set when install prewarms it.
    const nodeOptions = finalStage.filter((instruction) => instruction.op === 'ENV' && instruction.args.startsWith('NODE_OPTIONS='));
    expect(nodeOptions).toHaveLength(1);
    expect(finalStage.indexOf(nodeOptions[0]!)).toBeLessThan(install);
    expect(dockerfile.slice(0, finalFrom).some((instruction) => instruction.args.includes('NODE_OPTIONS'))).toBe(false);
  });

  it('puts the installed entry point on PATH and runs it as the ENTRYPOINT', () => {
    const env = finalStage.find((instruction) => instruction.op === 'ENV' && instruction.args.startsWith('PATH='));
    expect(env?.args).toBe(`PATH=${installDir}:$PATH`);
    const entrypoint = finalStage.filter((instruction) => instruction.op === 'ENTRYPOINT');
    expect(entrypoint.map((instruction) => JSON.parse(instruction.args) as unknown)).toEqual([[INSTALL_LAYOUT.entry]]);
  });

  it('runs as the non-root uid the Argo CD sidecar patch declares, with a read-only root file system there', () => {
    const users = finalStage.filter((instruction) => instruction.op === 'USER').map((instruction) => instruction.args);
    expect(users).toHaveLength(1);
    const [uid, gid] = users[0]!.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
    const patch = parseAllDocuments(read('argocd-cmp/repo-server-patch.yaml'))[0]!.toJS() as {
      spec: { template: { spec: { containers: Array<{ name: string; securityContext: Record<string, unknown> }> } } };
    };
    const sidecar = patch.spec.template.spec.containers.find((container) => container.name === 'imps-krm');
    expect(sidecar?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: uid, readOnlyRootFilesystem: true });
  });

  it('bakes plugin.yaml where argocd-cmp-server reads it', () => {
    expect(finalStage).toContainEqual({ op: 'COPY', args: 'argocd-cmp/plugin.yaml /home/argocd/cmp-server/config/plugin.yaml' });
  });
});
