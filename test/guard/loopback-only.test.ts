// The guard is installed by vitest.config.ts (setupFiles) before this file runs.

import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import dns, { lookup as namedLookup } from 'node:dns';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GUARD_PATH, guardedEnv, guardedNodeOptions } from './child-env.js';
import { isLoopbackHost } from './loopback-only.mjs';

const MSG = 'loopback-only guard: refused connection to';

function socketError(sock: net.Socket): Promise<Error> {
  return new Promise((resolve, reject) => {
    sock.once('error', resolve);
    sock.once('connect', () => reject(new Error('unexpectedly connected')));
  });
}

async function fetchError(url: string): Promise<{ err: Error }> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (e) {
    return { err: e as Error };
  }
  throw new Error(`fetch ${url} unexpectedly succeeded`);
}

describe('loopback-only guard', () => {
  it('is installed by the vitest setup file', () => {
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('imps-krm.loopback-only-guard')]).toBe(true);
  });

  it('refuses TCP to the instance metadata service with a clear message', async () => {
    // The guard's own error code: refused before any packet, not a connect timeout.
    const err = await socketError(net.connect(80, '169.254.169.254'));
    expect(err.message).toContain(`${MSG} 169.254.169.254:80`);
    expect((err as NodeJS.ErrnoException).code).toBe('ELOOPBACKONLY');
    expect((await socketError(net.connect({ host: '10.1.2.3', port: 443 }))).message).toBe(`${MSG} 10.1.2.3:443`);
    expect((await socketError(new net.Socket().connect(8080, '2001:db8::1'))).message).toBe(`${MSG} [2001:db8::1]:8080`);
  });

  it('refuses tls.connect and http.get', async () => {
    expect((await socketError(tls.connect({ host: 'example.com', port: 443 }))).message).toBe(`${MSG} example.com:443`);
    const err = await new Promise<Error>((resolve) => {
      http.get('http://169.254.169.254/latest/meta-data/', () => resolve(new Error('got a response'))).on('error', resolve);
    });
    expect(err.message).toContain(`${MSG} 169.254.169.254:80`);
  });

  it("fails Node's built-in fetch fast (undici goes through net.Socket#connect)", async () => {
    const { err } = await fetchError('http://example.com');
    expect(err).toBeInstanceOf(TypeError); // "fetch failed"
    expect((err.cause as Error).message).toBe(`${MSG} example.com:80`);
    const imds = await fetchError('http://169.254.169.254/latest/api/token');
    expect((imds.err.cause as Error).message).toContain(`${MSG} 169.254.169.254:80`);
  });

  it('refuses DNS lookups and queries of non-loopback names', async () => {
    const viaCallback = await new Promise<Error | null>((resolve) => dns.lookup('example.com', (e) => resolve(e)));
    expect(viaCallback?.message).toBe(`${MSG} example.com`);
    const viaNamed = await new Promise<Error | null>((resolve) => namedLookup('example.com', { all: true }, (e) => resolve(e)));
    expect(viaNamed?.message).toBe(`${MSG} example.com`);
    await expect(dns.promises.lookup('example.com')).rejects.toThrow(`${MSG} example.com`);
    await expect(dns.promises.resolveTxt('example.com')).rejects.toThrow(`${MSG} example.com:53`);
    await expect(new dns.promises.Resolver().resolve4('example.com')).rejects.toThrow(MSG);
    const viaResolver = await new Promise<Error | null>((resolve) => new dns.Resolver().resolve4('example.com', (e) => resolve(e)));
    expect(viaResolver?.message).toBe(`${MSG} example.com:53`);
    const viaResolve = await new Promise<Error | null>((resolve) => dns.resolve('example.com', (e) => resolve(e)));
    expect(viaResolve?.message).toBe(`${MSG} example.com:53`);
    // Looking up localhost reads the hosts file, no network: allowed.
    const local = await dns.promises.lookup('localhost');
    expect(isLoopbackHost(local.address)).toBe(true);
  });

  it('refuses UDP to non-loopback addresses', async () => {
    const sock = dgram.createSocket('udp4');
    try {
      const err = await new Promise<Error | null>((resolve) => sock.send('x', 53, '8.8.8.8', (e) => resolve(e)));
      expect(err?.message).toBe(`${MSG} 8.8.8.8:53`);
      const ok = await new Promise<Error | null>((resolve) => sock.send('x', 9, '127.0.0.1', (e) => resolve(e)));
      expect(ok).toBeNull();
      const connectErr = await new Promise<Error>((resolve) => {
        sock.once('error', resolve);
        sock.connect(53, '1.1.1.1');
      });
      expect(connectErr.message).toBe(`${MSG} 1.1.1.1:53`);
    } finally {
      sock.close();
    }
  });

  describe('local traffic', () => {
    let server: http.Server;
    let port = 0;
    beforeAll(async () => {
      server = http.createServer((_req, res) => res.end('hello'));
      // No host: listens on :: (or 0.0.0.0), so both 127.0.0.1 and localhost reach it.
      await new Promise<void>((resolve) => server.listen(0, resolve));
      port = (server.address() as net.AddressInfo).port;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    it('connects to 127.0.0.1 and localhost', async () => {
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('hello');
      expect(await (await fetch(`http://localhost:${port}/`)).text()).toBe('hello');
      const sock = net.connect(port, '127.0.0.1');
      await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
      sock.destroy();
    });

    it('allows unix domain sockets (IPC)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'guard-ipc-'));
      const path = join(dir, 's.sock');
      const ipc = net.createServer((s) => s.end('ipc-ok'));
      await new Promise<void>((resolve) => ipc.listen(path, resolve));
      try {
        const got = await new Promise<string>((resolve, reject) => {
          let buf = '';
          net.connect(path).on('data', (d) => (buf += String(d))).on('end', () => resolve(buf)).on('error', reject);
        });
        expect(got).toBe('ipc-ok');
      } finally {
        await new Promise((r) => ipc.close(r));
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('classifies hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST.', '0.0.0.0', '::', undefined, '']) {
      expect([h, isLoopbackHost(h)]).toEqual([h, true]);
    }
    for (const h of ['169.254.169.254', '10.0.0.1', '128.0.0.1', '::2', 'fd00::1', 'example.com', 'localhost.example.com', 'foo.localhost', 42]) {
      expect([h, isLoopbackHost(h)]).toEqual([h, false]);
    }
  });

  it('carries into child node processes via NODE_OPTIONS, and is idempotent', () => {
    expect(guardedNodeOptions()).toMatch(/^--import=file:\/\/.*\/test\/guard\/loopback-only\.mjs$/);
    expect(existsSync(GUARD_PATH)).toBe(true);
    const script = `
      import net from 'node:net';
      const first = net.Socket.prototype.connect;
      await import(${JSON.stringify(guardedNodeOptions().slice('--import='.length) + '?again')});
      const same = first === net.Socket.prototype.connect;
      net.connect(80, '169.254.169.254').on('error', (e) => console.log(same + ' ' + e.message));
    `;
    const env = guardedEnv({ ...process.env, NODE_OPTIONS: '--no-warnings' });
    expect(env.NODE_OPTIONS).toBe(`--no-warnings ${guardedNodeOptions()}`);
    expect(guardedEnv(env).NODE_OPTIONS).toBe(env.NODE_OPTIONS);
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8', timeout: 15_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`true ${MSG} 169.254.169.254:80 (cloud instance metadata service)`);
  });

  it('runs with env defaults that keep SDKs and kubeconfig loading off the network', () => {
    expect(process.env.AWS_EC2_METADATA_DISABLED).toBe('true');
    expect(process.env.AWS_ACCESS_KEY_ID).toBeUndefined();
    expect(process.env.AWS_SECRET_ACCESS_KEY).toBeUndefined();
    expect(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('true');
    for (const name of ['AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'KUBECONFIG']) {
      const p = process.env[name];
      expect(p, name).toBeTruthy();
      expect(existsSync(p ?? ''), name).toBe(false);
    }
  });
});
