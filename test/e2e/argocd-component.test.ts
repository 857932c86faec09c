// argocd-cmp/ as users apply it: a kustomize Component over an Argo CD install (here a stub repo-server).
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { REPO, run, sandbox, type Sandbox } from './cli-on-path.js';

interface Container {
  name: string;
  command?: string[];
  securityContext?: { runAsUser?: number; runAsNonRoot?: boolean };
  volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string }>;
}
interface Deployment {
  kind: string;
  metadata: { name: string };
  spec: { template: { spec: { containers: Container[]; volumes: Array<{ name: string; configMap?: { name: string } }> } } };
}

let box: Sandbox;
beforeAll(async () => {
  box = await sandbox();
});
afterAll(async () => {
  await box.cleanup();
});

describe('argocd-cmp component', () => {
  it('adds the sidecar with the cmp-server entrypoint, plugins socket volume, own /tmp, uid 999 and plugin.yaml', async () => {
    const dir = join(box.dir, 'argocd');
    await mkdir(dir);
    await cp(join(REPO, 'argocd-cmp'), join(dir, 'imps-krm'), { recursive: true });
    await writeFile(
      join(dir, 'repo-server.yaml'),
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
spec:
  template:
    spec:
      containers:
      - name: argocd-repo-server
        image: quay.io/argoproj/argocd:v2.14.0
      volumes:
      - name: var-files
        emptyDir: {}
      - name: plugins
        emptyDir: {}
`,
    );
    await writeFile(join(dir, 'kustomization.yaml'), 'namespace: argocd\nresources: [repo-server.yaml]\ncomponents: [imps-krm]\n');
    const result = await run('kubectl', ['kustomize', dir], { cwd: dir, env: box.env });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const objects = parseAllDocuments(result.stdout).map((document) => document.toJS() as Deployment);
    const deployment = objects.find((object) => object.kind === 'Deployment')!;
    const sidecar = deployment.spec.template.spec.containers.find((container) => container.name === 'imps-krm')!;
    expect(sidecar.command).toEqual(['/var/run/argocd/argocd-cmp-server']);
    expect(sidecar.securityContext).toMatchObject({ runAsUser: 999, runAsNonRoot: true });
    expect(sidecar.volumeMounts?.map((mount) => mount.mountPath).sort()).toEqual(
      ['/home/argocd/cmp-server/config/plugin.yaml', '/home/argocd/cmp-server/plugins', '/tmp', '/var/run/argocd'].sort(),
    );
    const pluginVolume = deployment.spec.template.spec.volumes.find((volume) => volume.name === 'imps-krm-cmp-plugin')!;
    const configMap = objects.find((object) => object.kind === 'ConfigMap')!;
    expect(pluginVolume.configMap?.name).toBe(configMap.metadata.name); // the hashed name, so plugin.yaml changes restart the pod
    expect(objects.map((object) => object.kind).sort()).toEqual(['ConfigMap', 'Deployment']);
  });
});
