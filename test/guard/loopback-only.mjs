// Loopback-only network guard for tests.
//
// Importing this module (vitest setupFiles, or `node --import` in child
// processes via NODE_OPTIONS, see ./child-env.ts) makes every attempt to reach
// a non-loopback host fail at once with
//   loopback-only guard: refused connection to HOST:PORT
// so a test that forgot a fake fails loudly instead of hanging on a real
// endpoint (above all the cloud metadata service at 169.254.169.254, which
// SDK credential chains probe).
//
// Covered: net.Socket.prototype.connect, which every TCP client goes through:
// net.connect, tls.connect, http/https agents, node-fetch, and Node's
// built-in fetch (its bundled undici calls net.connect/tls.connect); DNS
// (dns.lookup, dns.promises.lookup, every resolve* and reverse, including
// Resolver instances); and dgram send/connect. Unix domain sockets / named
// pipes (IPC) stay allowed. Allowed hosts: 127.0.0.0/8, ::1 (also
// IPv4-mapped), `localhost`, and the unspecified addresses 0.0.0.0 / :: which
// only ever reach the local machine.
//
// Idempotent: a second import (or a second copy of the file) does nothing.
// Plain JS so it can be preloaded without a TypeScript loader.

import dgram from 'node:dgram';
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

const INSTALLED = Symbol.for('imps-krm.loopback-only-guard');

const loopback = new net.BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('0.0.0.0', 'ipv4');
loopback.addAddress('::1', 'ipv6');
loopback.addAddress('::', 'ipv6');

/** @param {unknown} host */
function isLoopbackHost(host) {
  if (host === undefined || host === null || host === '') return true; // Node defaults to localhost
  if (typeof host !== 'string') return false;
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h === 'localhost') return true;
  const zone = h.indexOf('%'); // fe80::1%eth0
  if (zone >= 0) h = h.slice(0, zone);
  const family = net.isIP(h);
  if (family === 4) return loopback.check(h, 'ipv4');
  if (family === 6) return loopback.check(h, 'ipv6');
  return false;
}

/** @param {unknown} host @param {unknown} port */
function refusal(host, port) {
  const h = typeof host === 'string' && host.includes(':') && !host.startsWith('[') ? `[${host}]` : String(host);
  const target = port === undefined || port === null || port === '' ? h : `${h}:${port}`;
  const hint = String(host).replace(/^\[|\]$/g, '') === '169.254.169.254' ? ' (cloud instance metadata service)' : '';
  const err = new Error(`loopback-only guard: refused connection to ${target}${hint}`);
  // Not ECONNREFUSED on purpose: SDK retry policies would retry that with backoff.
  Object.assign(err, { code: 'ELOOPBACKONLY', host, ...(port !== undefined ? { port } : {}) });
  return err;
}

function install() {
  // ---- TCP / TLS ---------------------------------------------------------
  const origConnect = net.Socket.prototype.connect;
  /** @this {net.Socket} @param {...unknown} args */
  function guardedConnect(...args) {
    // net.connect() passes a pre-normalized [options, callback] array.
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    let host;
    let port;
    if (first !== null && typeof first === 'object') {
      const o = /** @type {{ path?: unknown, host?: unknown, port?: unknown }} */ (first);
      if (o.path !== undefined && o.path !== null && o.path !== '') return origConnect.apply(this, args); // IPC
      host = o.host;
      port = o.port;
    } else if (typeof first === 'string' && !/^\d+$/.test(first)) {
      return origConnect.apply(this, args); // connect(path): IPC
    } else {
      port = first;
      host = typeof args[1] === 'string' ? args[1] : undefined;
    }
    if (isLoopbackHost(host)) return origConnect.apply(this, args);
    const err = refusal(host, port);
    // Fail like a connection error: asynchronously, through 'error' — every
    // client already handles that path, whereas a synchronous throw from deep
    // inside an agent can become an uncaught exception.
    process.nextTick(() => this.destroy(err));
    return this;
  }
  net.Socket.prototype.connect = /** @type {typeof origConnect} */ (/** @type {unknown} */ (guardedConnect));

  // ---- DNS ---------------------------------------------------------------
  const origLookup = dns.lookup;
  /** @param {...unknown} args */
  function guardedLookup(...args) {
    const [hostname] = args;
    if (isLoopbackHost(hostname)) return Reflect.apply(origLookup, dns, args);
    const cb = args[args.length - 1];
    const err = refusal(hostname, undefined);
    if (typeof cb === 'function') process.nextTick(() => cb(err));
    else throw err;
    return undefined;
  }
  dns.lookup = /** @type {typeof dns.lookup} */ (/** @type {unknown} */ (guardedLookup));

  const origPromisesLookup = dns.promises.lookup;
  dns.promises.lookup = /** @type {typeof dns.promises.lookup} */ (
    /** @type {unknown} */ (
      /** @param {...unknown} args */
      async (...args) => {
        if (isLoopbackHost(args[0])) return Reflect.apply(origPromisesLookup, dns.promises, args);
        throw refusal(args[0], undefined);
      }
    )
  );

  // resolve* queries a DNS server over the network (even for "localhost"),
  // so they are refused outright; reverse() likewise.
  const RESOLVERS = ['resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCaa', 'resolveCname', 'resolveMx', 'resolveNaptr', 'resolveNs', 'resolvePtr', 'resolveSoa', 'resolveSrv', 'resolveTxt', 'reverse'];
  /** @param {Record<string, unknown>} target @param {boolean} promise */
  const patchResolvers = (target, promise) => {
    for (const name of RESOLVERS) {
      if (typeof target[name] !== 'function') continue;
      target[name] = promise
        ? /** @param {...unknown} args */ async (...args) => {
            throw refusal(args[0], 53);
          }
        : /** @param {...unknown} args */ (...args) => {
            const cb = args[args.length - 1];
            const err = refusal(args[0], 53);
            if (typeof cb === 'function') process.nextTick(() => cb(err));
            else throw err;
          };
    }
  };
  patchResolvers(/** @type {Record<string, unknown>} */ (/** @type {unknown} */ (dns)), false);
  patchResolvers(/** @type {Record<string, unknown>} */ (/** @type {unknown} */ (dns.Resolver.prototype)), false);
  patchResolvers(/** @type {Record<string, unknown>} */ (/** @type {unknown} */ (dns.promises)), true);
  patchResolvers(/** @type {Record<string, unknown>} */ (/** @type {unknown} */ (dns.promises.Resolver.prototype)), true);

  // ---- UDP ---------------------------------------------------------------
  const proto = dgram.Socket.prototype;
  const origSend = proto.send;
  const origUdpConnect = proto.connect;
  /** @param {dgram.Socket} sock @param {Error} err @param {unknown} cb */
  const failUdp = (sock, err, cb) => {
    if (typeof cb === 'function') process.nextTick(() => cb(err));
    else process.nextTick(() => sock.emit('error', err));
  };
  /** @this {dgram.Socket} @param {...unknown} args */
  function guardedSend(...args) {
    let connected = true;
    try {
      this.remoteAddress();
    } catch {
      connected = false;
    }
    if (!connected) {
      // Same argument shuffling as Node's own send(): (msg, offset, length, port, address, cb) or (msg, port, address, cb).
      const [, offset, length, port, address] = args;
      const long = Boolean(address) || (port !== undefined && typeof port !== 'function');
      const host = long ? address : length;
      const p = long ? port : offset;
      if (typeof host === 'string' && !isLoopbackHost(host)) {
        failUdp(this, refusal(host, p), args.find((a) => typeof a === 'function'));
        return;
      }
    }
    return Reflect.apply(origSend, this, args);
  }
  /** @this {dgram.Socket} @param {...unknown} args */
  function guardedUdpConnect(...args) {
    const [port, address] = args;
    if (typeof address === 'string' && !isLoopbackHost(address)) {
      failUdp(this, refusal(address, port), undefined);
      return;
    }
    return Reflect.apply(origUdpConnect, this, args);
  }
  proto.send = /** @type {typeof origSend} */ (/** @type {unknown} */ (guardedSend));
  proto.connect = /** @type {typeof origUdpConnect} */ (/** @type {unknown} */ (guardedUdpConnect));

  // Without this, `import { lookup } from 'node:dns'` keeps the unpatched function.
  syncBuiltinESMExports();
}

const g = /** @type {Record<symbol, unknown>} */ (/** @type {unknown} */ (globalThis));
if (!g[INSTALLED]) {
  g[INSTALLED] = true;
  install();
}

export { isLoopbackHost };
