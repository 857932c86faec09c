// `render` finds its cluster the way kubectl does: KUBECONFIG (a list of files, merged), --kubeconfig, --context
// (or IMPS_KRM_CONTEXT), and `--cluster auto` goes live only when a kubeconfig exists.
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeKubeApi, type FakeKubeApi } from '../fakes/kube-api-server.js';
import { requireBuiltCli, runBuiltCli, type CliResult } from '../support/run-built-cli.js';

requireBuiltCli();

const fixture = join(import.meta.dirname, '..', 'fixtures', 'render', 'seed-istio-annotations');
let kube: FakeKubeApi;
let kubeconfigs: string;
let refusedPath: string;
let goodPath: string;

beforeAll(async () => {
  const { parseAllDocuments } = await import('yaml');
  const { readFileSync } = await import('node:fs');
  const objects = parseAllDocuments(readFileSync(join(fixture, 'cluster.yaml'), 'utf8')).map((doc) => doc.toJS());
  kube = await startFakeKubeApi({ objects });
  const dir = mkdtempSync(join(tmpdir(), 'imps-kubeconfig-'));
  // The first file's current context has a token the server refuses; the second adds a context that works.
  const refused = kube.writeKubeconfig(mkdtempSync(join(dir, 'a-')), { contextName: 'refused', token: 'not-a-token' });
  const good = kube.writeKubeconfig(mkdtempSync(join(dir, 'b-')), { contextName: 'good' });
  kubeconfigs = [refused, good].join(delimiter);
  refusedPath = refused;
  goodPath = good;
});
afterAll(async () => kube.close());

/** The built CLI in the fixture's folder; `env` over the test's (whose KUBECONFIG names no file). */
const render = (args: string[], env: Record<string, string | undefined>): Promise<CliResult> => runBuiltCli(['render', '-f', 'input', ...args], { cwd: fixture, env });

describe('render and kubeconfig', () => {
  it('merges the KUBECONFIG list and uses its current context', async () => {
    const result = await render(['--cluster', 'live'], { KUBECONFIG: kubeconfigs });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: cluster http:\/\/127\.0\.0\.1:\d+: list namespaces: HTTP 401/m);
  });

  it('switches context with --context', async () => {
    const result = await render(['--cluster', 'live', '--context', 'good'], { KUBECONFIG: kubeconfigs });
    expect(result).toMatchObject({ code: 0, stderr: 'rendered 2 Secrets for ImagePullSecret imps: namespaces mesh, with-pod\n' });
    expect(result.stdout.match(/^  namespace: .*$/gm)).toEqual(['  namespace: mesh', '  namespace: with-pod']);
  });

  it('names a context that does not exist', async () => {
    const result = await render(['--cluster', 'live', '--context', 'nope'], { KUBECONFIG: kubeconfigs });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(`error: cannot use the cluster: kubeconfig ${refusedPath}, ${goodPath}: context "nope" (from --context or IMPS_KRM_CONTEXT) not found\n`);
  });

  it('takes the context from IMPS_KRM_CONTEXT, --context winning over it', async () => {
    expect(await render(['--cluster', 'live'], { KUBECONFIG: kubeconfigs, IMPS_KRM_CONTEXT: 'good' })).toMatchObject({ code: 0, stderr: 'rendered 2 Secrets for ImagePullSecret imps: namespaces mesh, with-pod\n' });
    const flag = await render(['--cluster', 'live', '--context', 'refused'], { KUBECONFIG: kubeconfigs, IMPS_KRM_CONTEXT: 'good' });
    expect(flag.stderr).toMatch(/list namespaces: HTTP 401/);
  });

  it('sends the token of a tokenFile (relative to the kubeconfig)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imps-tokenfile-'));
    writeFileSync(join(dir, 'token'), 'fake-token\n');
    writeFileSync(
      join(dir, 'config'),
      JSON.stringify({
        'current-context': 'c',
        contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
        clusters: [{ name: 'k', cluster: { server: kube.url, 'insecure-skip-tls-verify': true } }], // http: older clients insist
        users: [{ name: 'u', user: { tokenFile: 'token' } }],
      }),
    );
    const result = await render(['--cluster', 'live', '--kubeconfig', join(dir, 'config')], {});
    expect(result).toMatchObject({ code: 0, stderr: 'rendered 2 Secrets for ImagePullSecret imps: namespaces mesh, with-pod\n' });
  });

  it('a --kubeconfig that does not exist is a usage error', async () => {
    const missing = join(tmpdir(), 'imps-no-such-kubeconfig');
    const result = await render(['--cluster', 'live', '--kubeconfig', missing], {});
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe(`imps-krm: --kubeconfig ${missing}: no such file\nRun \`imps-krm render --help\` for usage.\n`);
  });

  it('stops when the server repeats a continue token, instead of listing for ever', async () => {
    let calls = 0;
    const looping = http.createServer((req, res) => {
      // List pages only: the source Secret is read side by side with the lists (GET by name), once.
      if (/^\/api\/v1\/(?:namespaces|pods)\?/.test(req.url ?? '')) calls++;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'NamespaceList', metadata: { continue: 'same-token' }, items: [] }));
    });
    await new Promise<void>((resolve) => looping.listen(0, '127.0.0.1', resolve));
    try {
      const dir = mkdtempSync(join(tmpdir(), 'imps-looping-'));
      const server = `http://127.0.0.1:${(looping.address() as AddressInfo).port}`;
      writeFileSync(
        join(dir, 'config'),
        JSON.stringify({
          'current-context': 'c',
          contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
          clusters: [{ name: 'k', cluster: { server, 'insecure-skip-tls-verify': true } }], // http: older clients insist
          users: [{ name: 'u', user: { token: 't' } }],
        }),
      );
      const result = await render(['--cluster', 'live', '--kubeconfig', join(dir, 'config')], {});
      expect(result).toMatchObject({ code: 1, stdout: '' });
      // Both lists loop; the error reported is the first in the order resolve() starts them, whichever sees the
      // repeat first: the same cluster gives the same message on every run.
      expect(result.stderr).toBe(
        `error: cluster ${server}: list namespaces: the server sent a continue token it had already sent (after 1 pages); stopped rather than list for ever\n`,
      );
      expect(calls).toBeLessThanOrEqual(4); // namespaces and pods are listed side by side: two pages each
    } finally {
      await new Promise<void>((resolve) => looping.close(() => resolve()));
    }
  });

  it('goes live in auto mode when a kubeconfig exists, and stays on the input otherwise', async () => {
    kube.resetRequests();
    const live = await render(['--context', 'good'], { KUBECONFIG: kubeconfigs });
    expect(live.code).toBe(0);
    expect(kube.requests.length).toBeGreaterThan(0);

    kube.resetRequests();
    const input = await render(['-f', 'cluster.yaml'], { KUBECONFIG: join(tmpdir(), 'imps-no-such-kubeconfig') });
    expect(input.code).toBe(0);
    expect(input.stdout).toBe(live.stdout);
    expect(kube.requests).toHaveLength(0);
  });
});
