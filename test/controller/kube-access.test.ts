import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type https from 'node:https';
import { describe, expect, it } from 'vitest';
import { loadKubeAccess } from '../../src/adapters/kube/kube-access.js';

describe('kube access without client-node', () => {
  it('uses the in-cluster service account (token re-read, CA pinned)', async () => {
    const prefix = mkdtempSync(join(tmpdir(), 'sa-'));
    const dir = join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'token'), 'sa-token\n');
    writeFileSync(join(dir, 'ca.crt'), 'CA');
    const access = loadKubeAccess({}, { HOME: prefix, KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, prefix)!;
    expect(access.server).toBe('https://10.0.0.1:443');
    const options: https.RequestOptions = {};
    await access.apply(options);
    expect(options.headers).toEqual({ Authorization: 'Bearer sa-token' });
    expect(String(options.ca)).toBe('CA');
  });

  it('reads token and certificate kubeconfig users, and leaves exec plugins to client-node', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    const kubeconfig = (user: object): string => {
      const path = join(dir, 'config');
      writeFileSync(path, JSON.stringify({ 'current-context': 'c', contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }], clusters: [{ name: 'k', cluster: { server: 'https://k.example:6443' } }], users: [{ name: 'u', user }] }));
      return path;
    };
    expect(loadKubeAccess({ kubeconfig: kubeconfig({ token: 't' }) }, {})?.server).toBe('https://k.example:6443');
    expect(loadKubeAccess({ kubeconfig: kubeconfig({ exec: { command: 'aws' } }) }, {})).toBeUndefined();
  });
});

describe('kube-http over TLS with the kubeconfig CA', () => {
  it('lists namespaces from an https API server', async () => {
    const { startFakeKubeApi } = await import('../fakes/kube-api-server.js');
    const { kubeHttp } = await import('../../src/adapters/kube/kube-http.js');
    const kube = await startFakeKubeApi({ tls: true, objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tls-ns' } }] });
    try {
      const http = kubeHttp(loadKubeAccess({ kubeconfig: kube.kubeconfigPath }, {})!);
      const list = (await http.request('GET', '/api/v1/namespaces')) as { items: Array<{ metadata: { name: string } }> };
      expect(list.items.map((item) => item.metadata.name)).toContain('tls-ns');
      expect(http.server.startsWith(kube.tls ? 'https://' : 'http://')).toBe(true);
    } finally {
      await kube.close();
    }
  });
});
