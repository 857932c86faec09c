// kubeconfig `exec` credential plugins (client.authentication.k8s.io v1 and v1beta1), the way client-go runs them
// (client-go plugin/pkg/client/auth/exec/exec.go): the plugin's own env over ours, KUBERNETES_EXEC_INFO with the
// cluster when provideClusterInfo, an ExecCredential JSON on stdout holding a token or a client certificate and key,
// cached until its expirationTimestamp (for ever without one) and re-run after a 401. Unlike kubectl we never hand
// the plugin a terminal (the faces run under kustomize, Argo CD or a controller), bound its run time, and fold its
// stderr into the one error line instead of passing it through.
import { isRecord } from '../../core/records.js';
import type { ClusterSettings, ExecSettings } from './kubeconfig.js';
import { KubeconfigError } from './kubeconfig-files.js';

export interface ExecCredential {
  readonly token?: string | undefined;
  readonly cert?: Buffer | undefined;
  readonly key?: Buffer | undefined;
}

export interface ExecOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly now?: () => number;
  readonly timeoutMs?: number;
}

export const EXEC_TIMEOUT_MS = 60_000;
const MAX_STDOUT = 1024 * 1024;
const MAX_STDERR_SHOWN = 300;

/** Runs the plugin when no unexpired credential is cached; concurrent callers share one run. */
export class ExecCredentialSource {
  #cached: { credential: ExecCredential; expiresAt: number | undefined } | undefined;
  #running: Promise<ExecCredential> | undefined;

  constructor(
    private readonly settings: ExecSettings,
    private readonly cluster: ClusterSettings,
    private readonly options: ExecOptions,
  ) {}

  get(): Promise<ExecCredential> {
    const now = (this.options.now ?? Date.now)();
    const cached = this.#cached;
    if (cached && (cached.expiresAt === undefined || now < cached.expiresAt)) return Promise.resolve(cached.credential);
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** After a 401 with `used`: forget it, unless a newer credential replaced it meanwhile. */
  invalidate(used: ExecCredential): void {
    if (this.#cached?.credential === used) this.#cached = undefined;
  }

  async #run(): Promise<ExecCredential> {
    const { settings } = this;
    if (settings.interactiveMode === 'Always') {
      throw new KubeconfigError(`${settings.where}.interactiveMode: Always needs a terminal, and imps-krm runs credential plugins without one; use IfAvailable or Never`);
    }
    const { spawn } = await import('node:child_process'); // loaded only when a plugin runs
    const output = await runPlugin(spawn, settings, execInfo(settings, this.cluster), this.options);
    const parsed = parseCredential(settings, output);
    this.#cached = parsed;
    return parsed.credential;
  }
}

function execInfo(settings: ExecSettings, cluster: ClusterSettings): string {
  const spec: Record<string, unknown> = { interactive: false };
  if (settings.provideClusterInfo) {
    spec['cluster'] = {
      server: cluster.server.href.replace(/\/$/, ''),
      ...(cluster.tlsServerName ? { 'tls-server-name': cluster.tlsServerName } : {}),
      ...(cluster.insecure ? { 'insecure-skip-tls-verify': true } : {}),
      ...(cluster.ca ? { 'certificate-authority-data': cluster.ca.toString('base64') } : {}),
      ...(cluster.proxyUrl ? { 'proxy-url': cluster.proxyUrl.href } : {}),
      ...(cluster.execExtension !== undefined ? { config: cluster.execExtension } : {}),
    };
  }
  return JSON.stringify({ apiVersion: settings.apiVersion, kind: 'ExecCredential', spec });
}

function runPlugin(spawn: typeof import('node:child_process').spawn, settings: ExecSettings, info: string, options: ExecOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? EXEC_TIMEOUT_MS;
  const name = JSON.stringify(settings.command);
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout also stops what the plugin started (a `sleep`, a browser helper...).
    const child = spawn(settings.command, [...settings.args], {
      env: { ...options.env, ...settings.env, KUBERNETES_EXEC_INFO: info },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    const err: Buffer[] = [];
    let errBytes = 0;
    let settled = false;
    const stop = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      child.stdout.destroy();
      child.stderr.destroy();
    };
    const failed = (problem: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const stderr = foldStderr(Buffer.concat(err).toString('utf8'));
      reject(new KubeconfigError(`${settings.where}: plugin ${name} ${problem}${stderr ? `; its stderr: ${stderr}` : ''}`));
    };
    const timer = setTimeout(() => {
      stop();
      failed(`did not finish within ${timeoutMs / 1000} s`);
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes <= MAX_STDOUT) out.push(chunk);
      else {
        stop();
        failed(`printed more than ${MAX_STDOUT / 1024} KiB`);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (errBytes < 64 * 1024) err.push(chunk);
      errBytes += chunk.length;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') return failed(`could not start: ${error.code ?? error.message}`);
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const hint = settings.installHint ? `; ${foldStderr(settings.installHint)}` : '';
      reject(new KubeconfigError(`${settings.where}.command: plugin ${name} not found${settings.command.includes('/') ? '' : ' in PATH'}${hint}`));
    });
    child.on('close', (code, signal) => {
      if (code !== 0) return failed(code === null ? `was stopped by ${signal ?? 'a signal'}` : `failed with exit code ${code}`);
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(Buffer.concat(out).toString('utf8'));
    });
  });
}

/** The ExecCredential's status; stdout is never quoted (it holds the credential). */
function parseCredential(settings: ExecSettings, stdout: string): { credential: ExecCredential; expiresAt: number | undefined } {
  const bad = (problem: string): never => {
    throw new KubeconfigError(`${settings.where}: plugin ${JSON.stringify(settings.command)} ${problem}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    bad('printed no ExecCredential JSON on stdout');
  }
  const record = isRecord(parsed) ? parsed : bad('printed no ExecCredential JSON on stdout');
  if (record['kind'] !== 'ExecCredential') bad('printed an object that is not an ExecCredential');
  if (record['apiVersion'] !== settings.apiVersion) bad(`answered with another apiVersion than the ${settings.apiVersion} it was asked for`);
  const status = isRecord(record['status']) ? record['status'] : bad('returned no status');
  const text = (field: string): string | undefined => {
    const value = status[field];
    if (value === undefined || value === null || value === '') return undefined;
    return typeof value === 'string' ? value : bad(`returned a status.${field} that is not a string`);
  };
  const token = text('token');
  const cert = text('clientCertificateData');
  const key = text('clientKeyData');
  if (token === undefined && cert === undefined && key === undefined) bad('returned neither a token nor a client certificate and key');
  if ((cert === undefined) !== (key === undefined)) bad('returned only one of clientCertificateData and clientKeyData');
  const expiry = text('expirationTimestamp');
  const expiresAt = expiry === undefined ? undefined : Date.parse(expiry);
  if (expiresAt !== undefined && Number.isNaN(expiresAt)) bad('returned a status.expirationTimestamp that is not an RFC 3339 time');
  return {
    credential: { token, cert: cert === undefined ? undefined : Buffer.from(cert), key: key === undefined ? undefined : Buffer.from(key) },
    expiresAt,
  };
}

/**
 * A plugin's stderr as one short line: control characters and line breaks become spaces, and anything shaped like a
 * credential (a JWT, a long opaque run) is replaced, since plugins sometimes echo what they were given.
 */
export function foldStderr(text: string): string {
  // eslint-disable-next-line no-control-regex
  const folded = text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  const redacted = folded
    .replace(/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?/g, '[redacted]')
    .replace(/[A-Za-z0-9+=_-]{32,}/g, '[redacted]');
  return redacted.length > MAX_STDERR_SHOWN ? `${redacted.slice(0, MAX_STDERR_SHOWN)}...` : redacted;
}

