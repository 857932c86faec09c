// /metrics (labels name source Secrets) is loopback-only unless the operator exposes it; probes answer on their
// own address so the kubelet reaches them at the Pod IP.
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startOpsServer, type OpsServer } from '../../src/controller/runtime/ops-server.js';
import { UsageError } from '../../src/faces/kit/exit.js';
import { controllerExplanation } from '../../src/app/controller-explanation.js';
import { DEFAULT_EXPLAIN_ADDRESS, DEFAULT_HEALTH_ADDRESS, DEFAULT_METRICS_ADDRESS, metricsAndHealthFlags } from '../../src/faces/kit/process-flags.js';

let server: OpsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const registry = (): Registry => {
  const r = new Registry();
  return r;
};
const get = async (port: number | undefined, path: string): Promise<number> => (await fetch(`http://127.0.0.1:${port}${path}`)).status;

describe('ops endpoints', () => {
  it('default to /metrics on loopback and probes on every interface; an empty flag turns one off', () => {
    expect(DEFAULT_METRICS_ADDRESS).toBe('127.0.0.1:8080');
    expect(DEFAULT_HEALTH_ADDRESS).toBe(':8081');
    expect(metricsAndHealthFlags(undefined, undefined)).toEqual({ metrics: '127.0.0.1:8080', health: ':8081' });
    expect(metricsAndHealthFlags(':8080', undefined)).toEqual({ metrics: ':8080', health: ':8081' });
    expect(metricsAndHealthFlags('', '')).toEqual({ metrics: undefined, health: undefined });
    for (const bad of ['host:http', '8080', ':99999', 'a b:1']) {
      expect(() => metricsAndHealthFlags(undefined, bad)).toThrow(new UsageError('--health-addr must be [host]:port, e.g. 127.0.0.1:8080 or :8080'));
    }
  });

  it('serve /metrics and the probes on separate servers, each 404 for the other\'s paths', async () => {
    server = await startOpsServer({ metrics: '127.0.0.1:0', health: '127.0.0.1:0' }, registry(), () => false);
    expect(server.metrics?.address).toBe('127.0.0.1');
    expect(server.metrics?.port).not.toBe(server.health?.port);
    expect(await get(server.metrics?.port, '/metrics')).toBe(200);
    expect(await get(server.metrics?.port, '/healthz')).toBe(404);
    expect(await get(server.health?.port, '/healthz')).toBe(200);
    expect(await get(server.health?.port, '/livez')).toBe(200);
    expect(await get(server.health?.port, '/readyz')).toBe(503);
    expect(await get(server.health?.port, '/metrics')).toBe(404);
  });

  it('share one server when both flags name the same port', async () => {
    const probe = await startOpsServer({ health: '127.0.0.1:0' }, registry(), () => true);
    const port = probe.health!.port;
    await probe.close();
    server = await startOpsServer({ metrics: `127.0.0.1:${port}`, health: `127.0.0.1:${port}` }, registry(), () => true);
    expect(server.metrics?.port).toBe(port);
    expect(server.health?.port).toBe(port);
    expect(await get(port, '/metrics')).toBe(200);
    expect(await get(port, '/readyz')).toBe(200);
  });

  it('start nothing for an endpoint that is off', async () => {
    server = await startOpsServer({ health: '127.0.0.1:0' }, registry(), () => true);
    expect(server.metrics).toBeUndefined();
    expect(await get(server.health?.port, '/metrics')).toBe(404);
  });

  it('serve /explain on its own loopback address by default, only when a handler is given (the controller)', async () => {
    expect(DEFAULT_EXPLAIN_ADDRESS).toBe('127.0.0.1:8082');
    const queries: string[] = [];
    const explain = async (query: URLSearchParams) => {
      queries.push(query.toString());
      return { status: 200, body: '{}', type: 'application/json' };
    };
    server = await startOpsServer({ metrics: '127.0.0.1:0', health: '127.0.0.1:0', explain: '127.0.0.1:0' }, registry(), () => true, explain);
    expect(server.explain?.address).toBe('127.0.0.1');
    expect(new Set([server.metrics?.port, server.health?.port, server.explain?.port]).size).toBe(3);
    expect(await get(server.explain?.port, '/explain?namespace=a&namespace=b')).toBe(200);
    expect(queries).toEqual(['namespace=a&namespace=b']);
    expect(await get(server.explain?.port, '/metrics')).toBe(404);
    expect(await get(server.explain?.port, '/healthz')).toBe(404);
    expect(await get(server.metrics?.port, '/explain')).toBe(404);
    expect(await get(server.health?.port, '/explain')).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.explain?.port}/explain`, { method: 'POST' })).status).toBe(405);
    await server.close();

    // The refresher passes no handler: no server for it, whatever the address.
    server = await startOpsServer({ explain: '127.0.0.1:0' }, registry(), () => true);
    expect(server.explain).toBeUndefined();
  });

  it('share one server between /explain and /metrics given the same fixed port', async () => {
    const probe = await startOpsServer({ health: '127.0.0.1:0' }, registry(), () => true);
    const port = probe.health!.port;
    await probe.close();
    server = await startOpsServer({ metrics: `127.0.0.1:${port}`, explain: `127.0.0.1:${port}` }, registry(), () => true, async () => ({ status: 200, body: '{}' }));
    expect(server.explain?.port).toBe(port);
    expect(await get(port, '/metrics')).toBe(200);
    expect(await get(port, '/explain')).toBe(200);
  });

  it('pass the controller\'s own one-line refusal to `explain --controller`, and nothing of an answer that is not plain text', async () => {
    let answer = { status: 503, body: 'caches not synced\n', type: 'text/plain; charset=utf-8' };
    server = await startOpsServer({ explain: '127.0.0.1:0' }, registry(), () => true, async () => answer);
    const url = new URL(`http://127.0.0.1:${server.explain?.port}`);
    expect(await controllerExplanation(url, {})).toEqual({ problems: [{ severity: 'error', message: `controller ${url.origin}: HTTP 503: caches not synced` }] });
    answer = { status: 500, body: '{"secret":"CANARY-not-shown"}', type: 'application/json' };
    expect(await controllerExplanation(url, {})).toEqual({ problems: [{ severity: 'error', message: `controller ${url.origin}: HTTP 500` }] });
    answer = { status: 200, body: '{"kind":"Explanation"}', type: 'application/json' };
    const invalid = await controllerExplanation(url, {});
    expect('problems' in invalid && invalid.problems[0]!.message).toBe(`controller ${url.origin}: the answer is not an Explanation (apiVersion: required)`);
    answer = { status: 200, body: 'not json', type: 'application/json' };
    expect(await controllerExplanation(url, {})).toEqual({ problems: [{ severity: 'error', message: `controller ${url.origin}: the answer is not JSON` }] });
  });
});
