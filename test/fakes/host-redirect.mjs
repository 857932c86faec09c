// Test-only host redirection for child processes: connections to a named host (any port) go to a loopback fake
// instead, so a manifest naming a real registry (msi-acrpull's README sample: veryimportantcr.azurecr.io) runs
// unchanged against the fakes. The code under test still speaks https to the name it was given: TLS keeps that
// name for SNI and the certificate check (the fakes' certificate covers *.azurecr.io, trusted through
// NODE_EXTRA_CA_CERTS). Nothing else is redirected, and the loopback-only guard still refuses everything else.
//
//   IMPS_KRM_TEST_HOST_REDIRECT="veryimportantcr.azurecr.io=https://127.0.0.1:PORT,other.example=http://127.0.0.1:PORT"
//   NODE_OPTIONS="--import=file:///.../test/fakes/host-redirect.mjs"
//
// The guard is imported first (it is idempotent), so this wrapper runs before it and the guard sees the loopback
// address.
import '../guard/loopback-only.mjs';
import net from 'node:net';

const INSTALLED = Symbol.for('imps-krm.host-redirect');

/** @returns {Map<string, {host: string, port: number}>} */
function parse(text) {
  const map = new Map();
  for (const entry of (text ?? '').split(',')) {
    const at = entry.indexOf('=');
    if (at <= 0) continue;
    const url = new URL(entry.slice(at + 1).trim());
    map.set(entry.slice(0, at).trim().toLowerCase(), { host: url.hostname, port: Number(url.port) });
  }
  return map;
}

function install() {
  const redirects = parse(process.env.IMPS_KRM_TEST_HOST_REDIRECT);
  if (redirects.size === 0) return;
  const inner = net.Socket.prototype.connect;
  /** @this {net.Socket} @param {...unknown} args */
  function redirectedConnect(...args) {
    const normalized = Array.isArray(args[0]);
    const first = normalized ? args[0][0] : args[0];
    if (first !== null && typeof first === 'object' && typeof first.host === 'string') {
      const to = redirects.get(first.host.toLowerCase());
      if (to) {
        // A copy: tls.connect keeps its own options (servername, host) for the certificate check.
        const options = { ...first, host: to.host, port: to.port };
        const rest = normalized ? [[options, ...args[0].slice(1)], ...args.slice(1)] : [options, ...args.slice(1)];
        return inner.apply(this, rest);
      }
    }
    return inner.apply(this, args);
  }
  net.Socket.prototype.connect = redirectedConnect;
}

const g = globalThis;
if (!g[INSTALLED]) {
  g[INSTALLED] = true;
  install();
}
