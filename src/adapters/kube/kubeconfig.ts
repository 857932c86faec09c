// The context, cluster and user a kubeconfig selects, read into plain settings: every field checked for its type,
// files it names read now (paths relative to the kubeconfig that names them, as kubectl resolves them), and every
// problem one KubeconfigError naming the file and the field. Field names: client-go clientcmd/api/v1/types.go.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, sep } from 'node:path';
import { isRecord } from '../../core/records.js';
import { joinPath, keySegment } from '../../validation/field-path.js';
import { fail, KubeconfigError, loadMergedKubeconfig, type KubeconfigEntry } from './kubeconfig-files.js';

export interface ClusterSettings {
  readonly server: URL;
  readonly ca?: Buffer | undefined;
  readonly insecure: boolean;
  readonly tlsServerName?: string | undefined;
  readonly proxyUrl?: URL | undefined;
  /** `extensions[name=client.authentication.k8s.io/exec].extension`, handed to exec plugins with the cluster info. */
  readonly execExtension?: unknown;
}

export const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const;
export type ExecApiVersion = (typeof EXEC_API_VERSIONS)[number];

export interface ExecSettings {
  readonly apiVersion: ExecApiVersion;
  /** Absolute when the kubeconfig gave a path (resolved against its folder); a bare name is looked up in PATH. */
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly installHint?: string | undefined;
  readonly provideClusterInfo: boolean;
  readonly interactiveMode: 'Never' | 'IfAvailable' | 'Always';
  /** `kubeconfig FILE: users[N].user.exec`, the start of every message about this plugin. */
  readonly where: string;
}

export interface UserSettings {
  readonly token?: string | undefined;
  /** Re-read as it rotates; wins over `token`, as in client-go. */
  readonly tokenFile?: string | undefined;
  readonly cert?: Buffer | undefined;
  readonly key?: Buffer | undefined;
  readonly basic?: { readonly username: string; readonly password: string } | undefined;
  /** `as`, `as-uid`, `as-groups`, `as-user-extra` as Impersonate-* headers. */
  readonly impersonate: Readonly<Record<string, string | readonly string[]>>;
  readonly exec?: ExecSettings | undefined;
}

export interface KubeconfigSettings {
  readonly files: readonly string[];
  readonly cluster: ClusterSettings;
  readonly user: UserSettings;
}

export interface Selection {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
}

/**
 * The settings of the selected context, or undefined when no kubeconfig file exists at all (the caller may then use
 * the in-cluster service account). The context is `selection.context`, else IMPS_KRM_CONTEXT, else current-context.
 */
export function loadKubeconfig(selection: Selection, env: NodeJS.ProcessEnv): KubeconfigSettings | undefined {
  const merged = loadMergedKubeconfig(selection.kubeconfig, env);
  const fromOperator = selection.context || env['IMPS_KRM_CONTEXT'] || undefined;
  const files = merged.files.join(', ');
  if (merged.files.length === 0) {
    if (fromOperator) throw new KubeconfigError(`context ${JSON.stringify(fromOperator)} (from --context or IMPS_KRM_CONTEXT) not found: no kubeconfig file (looked for ${merged.considered.join(', ')})`);
    return undefined;
  }
  const contextName = fromOperator ?? merged.currentContext;
  if (contextName === undefined) throw new KubeconfigError(`kubeconfig ${files}: no current-context; set one, or choose a context with --context or IMPS_KRM_CONTEXT`);
  const context = merged.entries.contexts.get(contextName);
  if (!context) {
    if (fromOperator) throw new KubeconfigError(`kubeconfig ${files}: context ${JSON.stringify(fromOperator)} (from --context or IMPS_KRM_CONTEXT) not found`);
    throw new KubeconfigError(`kubeconfig ${files}: current-context names no entry of contexts`);
  }
  const contextFields: Fields = new Fields(context);
  const clusterName = contextFields.string('cluster');
  const clusterEntry = clusterName === undefined ? undefined : merged.entries.clusters.get(clusterName);
  if (!clusterEntry) contextFields.fail('cluster', clusterName === undefined ? 'missing' : 'names no entry of clusters');
  const userName = contextFields.string('user');
  const userEntry = userName === undefined ? undefined : merged.entries.users.get(userName);
  if (userName !== undefined && !userEntry) contextFields.fail('user', 'names no entry of users');
  const cluster = readCluster(new Fields(clusterEntry));
  return { files: merged.files, cluster, user: userEntry ? readUser(new Fields(userEntry)) : { impersonate: {} } };
}

function readCluster(fields: Fields): ClusterSettings {
  const serverText = fields.string('server');
  if (serverText === undefined) fields.fail('server', 'missing');
  const server = fields.url('server', serverText);
  const proxyText = fields.string('proxy-url');
  const proxyUrl = proxyText === undefined ? undefined : fields.url('proxy-url', proxyText, 'an http or https proxy URL (socks5 proxies are not supported)');
  if (proxyUrl && server.protocol !== 'https:') fields.fail('proxy-url', 'only an https server can be reached through a proxy');
  const extensions = fields.body['extensions'];
  const execExtension = Array.isArray(extensions)
    ? extensions.find((item): item is Record<string, unknown> => isRecord(item) && item['name'] === 'client.authentication.k8s.io/exec')?.['extension']
    : undefined;
  return {
    server,
    ca: fields.bytes('certificate-authority-data', 'certificate-authority'),
    insecure: fields.boolean('insecure-skip-tls-verify'),
    tlsServerName: fields.string('tls-server-name'),
    proxyUrl,
    execExtension,
  };
}

const USER_FIELDS = new Set([
  'client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'token', 'tokenFile', 'as', 'as-uid',
  'as-groups', 'as-user-extra', 'username', 'password', 'auth-provider', 'exec', 'extensions',
]);

function readUser(fields: Fields): UserSettings {
  // keySegment: the key is said safely (one line, no control character, never long), as in every field path.
  for (const key of Object.keys(fields.body)) if (!USER_FIELDS.has(key)) fields.fail(keySegment(key), 'unknown field (a typo would silently drop a credential)');
  if (fields.body['auth-provider'] !== undefined && fields.body['auth-provider'] !== null) {
    fields.fail('auth-provider', 'not supported: auth providers are deprecated in Kubernetes; use an exec credential plugin (client.authentication.k8s.io/v1)');
  }
  const token = fields.string('token');
  const tokenFile = fields.filePath('tokenFile');
  if (tokenFile !== undefined) fields.readable('tokenFile', tokenFile);
  const cert = fields.bytes('client-certificate-data', 'client-certificate');
  const key = fields.bytes('client-key-data', 'client-key');
  if ((cert === undefined) !== (key === undefined)) fields.fail(cert ? 'client-key' : 'client-certificate', 'missing: a client certificate needs its key and the key its certificate');
  const username = fields.string('username');
  const password = fields.string('password');
  if ((username !== undefined || password !== undefined) && (token !== undefined || tokenFile !== undefined)) {
    fields.fail('username', 'more than one authentication method (token and basic auth); keep one');
  }
  const groups = fields.strings('as-groups');
  const extra = fields.body['as-user-extra'];
  const impersonate: Record<string, string | readonly string[]> = {};
  const as = fields.string('as');
  const asUid = fields.string('as-uid');
  if (as !== undefined) impersonate['Impersonate-User'] = as;
  if (asUid !== undefined) impersonate['Impersonate-Uid'] = asUid;
  if (groups.length > 0) impersonate['Impersonate-Group'] = groups;
  if (isRecord(extra)) {
    for (const [name, values] of Object.entries(extra)) {
      if (!Array.isArray(values) || !values.every((value): value is string => typeof value === 'string')) fields.fail(joinPath('as-user-extra', keySegment(name)), 'must be a list of strings');
      impersonate[`Impersonate-Extra-${encodeURIComponent(name)}`] = values;
    }
  } else if (extra !== undefined && extra !== null) fields.fail('as-user-extra', 'must be a mapping');
  if ((groups.length > 0 || isRecord(extra) || asUid !== undefined) && as === undefined) fields.fail('as', 'missing: as-groups, as-uid and as-user-extra need as');
  return {
    token,
    tokenFile,
    cert,
    key,
    basic: username !== undefined || password !== undefined ? { username: username ?? '', password: password ?? '' } : undefined,
    impersonate,
    exec: readExec(fields),
  };
}

function readExec(parent: Fields): ExecSettings | undefined {
  const body = parent.body['exec'];
  if (body === undefined || body === null) return undefined;
  if (!isRecord(body)) parent.fail('exec', 'must be a mapping');
  const fields: Fields = new Fields({ file: parent.file, path: `${parent.at}.exec`, body });
  const apiVersion = fields.string('apiVersion');
  if (!EXEC_API_VERSIONS.some((version) => version === apiVersion)) fields.fail('apiVersion', `must be ${EXEC_API_VERSIONS.join(' or ')}`);
  const command = fields.string('command');
  if (command === undefined) fields.fail('command', 'missing');
  const env: Record<string, string> = {};
  const rawEnv = body['env'];
  if (rawEnv !== undefined && rawEnv !== null) {
    if (!Array.isArray(rawEnv)) fields.fail('env', 'must be a list');
    rawEnv.forEach((item: unknown, index) => {
      if (!isRecord(item) || typeof item['name'] !== 'string' || item['name'] === '' || typeof item['value'] !== 'string') {
        fields.fail(`env[${index}]`, 'must be a mapping with a string name and value');
      }
      env[item['name']] = item['value'];
    });
  }
  const mode = fields.string('interactiveMode') ?? 'IfAvailable';
  if (mode !== 'Never' && mode !== 'IfAvailable' && mode !== 'Always') fields.fail('interactiveMode', 'must be Never, IfAvailable or Always');
  return {
    apiVersion: apiVersion as ExecApiVersion,
    // client-go resolves the command against the kubeconfig's folder only when it holds a path separator.
    command: command.includes(sep) && !isAbsolute(command) ? join(dirname(fields.file), command) : command,
    args: fields.strings('args'),
    env,
    installHint: fields.string('installHint'),
    provideClusterInfo: fields.boolean('provideClusterInfo'),
    interactiveMode: mode,
    where: `kubeconfig ${fields.file}: ${fields.at}`,
  };
}

/** Typed reads of one entry's fields, each failing with the file and the field's path. */
class Fields {
  readonly file: string;
  readonly at: string;
  readonly body: Readonly<Record<string, unknown>>;

  constructor(entry: KubeconfigEntry) {
    this.file = entry.file;
    this.at = entry.path;
    this.body = entry.body;
  }

  fail(field: string, problem: string): never {
    fail(this.file, joinPath(this.at, field), problem);
  }

  string(field: string): string | undefined {
    const value = this.body[field];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') this.fail(field, 'must be a string');
    return value;
  }

  boolean(field: string): boolean {
    const value = this.body[field];
    if (value === undefined || value === null) return false;
    if (typeof value !== 'boolean') this.fail(field, 'must be true or false');
    return value;
  }

  strings(field: string): string[] {
    const value = this.body[field];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) this.fail(field, 'must be a list of strings');
    return value;
  }

  url(field: string, text: string, what = 'an http or https URL'): URL {
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) this.fail(field, `must be ${what}`);
    return url;
  }

  /** A path field, absolute: relative paths are relative to the kubeconfig file that holds them. */
  filePath(field: string): string | undefined {
    const value = this.string(field);
    return value === undefined || isAbsolute(value) ? value : join(dirname(this.file), value);
  }

  readable(field: string, path: string): Buffer {
    try {
      return readFileSync(path);
    } catch (error) {
      this.fail(field, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}`);
    }
  }

  /** `<name>-data` (base64) wins over `<name>` (a file), as in client-go. */
  bytes(dataField: string, pathField: string): Buffer | undefined {
    const data = this.string(dataField);
    if (data !== undefined) {
      if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(data)) this.fail(dataField, 'must be base64');
      return Buffer.from(data, 'base64');
    }
    const path = this.filePath(pathField);
    return path === undefined ? undefined : this.readable(pathField, path);
  }
}
