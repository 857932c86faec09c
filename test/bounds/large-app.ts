// A realistic large application, generated at test time: an ImagePullSecret and its input-mode source, plus N
// Deployments, ConfigMaps and Services written the way kustomize and Helm print them (block style, plain scalars, a few
// quoted values). 300 of each is about 250,000 YAML tokens in 900 documents: the size of Argo CD's own install.yaml
// (214,000 tokens), which a bound on the whole run used to refuse.
import { stringify } from 'yaml';
import { BASE_DOCUMENTS } from './worst-inputs.js';

function deployment(i: number): unknown {
  const name = `service-${i}`;
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'shop', 'app.kubernetes.io/version': `1.${i % 7}.${i % 13}` };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop', labels, annotations: { 'deployment.kubernetes.io/revision': String(i + 1) } },
    spec: {
      replicas: 1 + (i % 3),
      revisionHistoryLimit: 3,
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels, annotations: { 'checksum/config': `${(i * 2654435761).toString(16).padStart(16, '0')}` } },
        spec: {
          serviceAccountName: name,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'app',
              image: `ghcr.io/example/${name}:1.${i % 7}.${i % 13}`,
              imagePullPolicy: 'IfNotPresent',
              args: ['--config=/etc/app/config.yaml', `--port=${8000 + (i % 100)}`, '--log-format=json'],
              env: [
                { name: 'LOG_LEVEL', value: 'info' },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: `${name}-db`, key: 'url' } } },
              ],
              ports: [{ name: 'http', containerPort: 8000 + (i % 100), protocol: 'TCP' }],
              readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10 },
              livenessProbe: { httpGet: { path: '/livez', port: 'http' }, initialDelaySeconds: 5, periodSeconds: 20 },
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'config', mountPath: '/etc/app', readOnly: true }],
            },
          ],
          volumes: [{ name: 'config', configMap: { name: `${name}-config` } }],
        },
      },
    },
  };
}

function configMap(i: number): unknown {
  const settings = Array.from({ length: 12 }, (_, k) => `  setting${k}: value-${i}-${k}`).join('\n');
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `service-${i}-config`, namespace: 'shop', labels: { 'app.kubernetes.io/name': `service-${i}` } },
    data: { 'config.yaml': `server:\n  port: ${8000 + (i % 100)}\n  timeout: 30s\nfeatures:\n${settings}\n`, LOG_LEVEL: 'info', 'max-connections': '"100"' },
  };
}

function service(i: number): unknown {
  const name = `service-${i}`;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'shop', labels: { 'app.kubernetes.io/name': name } },
    spec: { type: 'ClusterIP', selector: { 'app.kubernetes.io/name': name }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
  };
}

/** The app as one YAML stream (one file, as `kustomize build` or Argo CD's install.yaml). */
export function largeApp(count = 300): string {
  const documents = [...BASE_DOCUMENTS];
  for (let i = 0; i < count; i++) documents.push(stringify(deployment(i), { aliasDuplicateObjects: false }), stringify(configMap(i)), stringify(service(i)));
  return documents.join('---\n');
}

/**
 * The same objects as kustomize hands them to an exec KRM function: one ResourceList, each item carrying the path and
 * index annotations kustomize adds.
 */
export function largeResourceList(count = 300): string {
  const items = largeApp(count)
    .split(/^---\n/m)
    .map((doc, index) => {
      const lines = doc.replace(/\n$/, '').split('\n');
      const annotations = [`config.kubernetes.io/index: '${index}'`, `internal.config.kubernetes.io/index: '${index}'`, "config.kubernetes.io/path: 'app.yaml'", "internal.config.kubernetes.io/path: 'app.yaml'"];
      const at = lines.indexOf('  annotations:');
      if (at >= 0) lines.splice(at + 1, 0, ...annotations.map((line) => `    ${line}`));
      else lines.splice(lines.indexOf('metadata:') + 1, 0, '  annotations:', ...annotations.map((line) => `    ${line}`));
      return lines.map((line, i) => (i === 0 ? `- ${line}` : line === '' ? '' : `  ${line}`)).join('\n');
    });
  return `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: fn}, data: {cluster: input}}\nitems:\n${items.join('\n')}\n`;
}
