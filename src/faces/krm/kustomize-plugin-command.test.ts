import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../../cli/main.js';
import { captureStdio } from '../../../test/golden/capture.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', '..', 'kustomize-plugin', 'legacy-generator');

describe('legacy kustomize plugin', () => {
  it('is chosen by the name it is invoked as, and prints the Secrets as a plain stream', async () => {
    const run = captureStdio({ cwd: EXAMPLE, env: { KUSTOMIZE_PLUGIN_CONFIG_ROOT: EXAMPLE } });
    Object.assign(run.stdio.stdin, { isTTY: true }); // a generator gets no stdin worth reading
    const code = await runCli([join(EXAMPLE, 'pull-secret.yaml')], run.stdio, '/home/me/.config/kustomize/plugin/images.banzaicloud.io/v1alpha1/imagepullsecret/ImagePullSecret');
    expect({ code, stderr: run.stderr() }).toEqual({ code: 0, stderr: '' });
    const objects = parseAllDocuments(run.stdout()).map((document) => document.toJS() as { kind: string; metadata: { namespace: string } });
    expect(objects.map((object) => `${object.kind}/${object.metadata.namespace}`)).toEqual(['Secret/shop']);
  });

  it('an unreadable config is a failure with a message, no config at all is bad usage', async () => {
    const missing = captureStdio({ cwd: EXAMPLE });
    expect(await runCli(['kustomize-plugin', join(EXAMPLE, 'nope.yaml')], missing.stdio, 'imps-krm')).toBe(1);
    expect(missing.stderr()).toBe(`error: ${join(EXAMPLE, 'nope.yaml')}: no such file or directory (or a symbolic link to nothing)\n`);
    expect(missing.stdout()).toBe('');
    const none = captureStdio({ cwd: EXAMPLE });
    expect(await runCli(['kustomize-plugin'], none.stdio, 'imps-krm')).toBe(2);
  });
});

describe('imps-krm with no arguments', () => {
  it('on a terminal prints help to stderr and exits 2', async () => {
    const run = captureStdio({ cwd: EXAMPLE });
    Object.assign(run.stdio.stdin, { isTTY: true });
    expect(await runCli([], run.stdio, 'imps-krm')).toBe(2);
    expect(run.stdout()).toBe('');
    expect(run.stderr()).toContain('Usage: imps-krm <command>');
  });
});
