// The real Controller against the in-memory API (test/fakes/memory-kube.ts) and a manual clock: for unit tests of
// its decisions over time (what is retried, what waits for a change) without sockets or wall-clock waits.
import { Writable } from 'node:stream';
import { Controller } from '../../src/controller/imps/controller.js';
import { jsonLogger } from '../../src/controller/runtime/logger.js';
import { createMetrics, type ControllerMetrics } from '../../src/controller/runtime/metrics.js';
import { Redactor } from '../../src/core/redaction.js';
import type { TokenProvider } from '../../src/ports/tokens.js';
import type { KubeObject } from '../fakes/kube-api-server.js';
import { MemoryKube } from '../fakes/memory-kube.js';
import { ManualTimers, settle } from './manual-timers.js';

export const START = new Date('2026-11-22T00:00:00Z');

export interface MemoryRig {
  readonly kube: MemoryKube;
  readonly timers: ManualTimers;
  readonly controller: Controller;
  readonly metrics: ControllerMetrics;
  /** The JSON log lines so far, parsed. */
  logs(): Record<string, unknown>[];
  /** Moves the clock and lets every reconcile it triggers finish. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

const noTokens: TokenProvider = {
  fetchToken: () => Promise.reject(new Error('no token provider in this test')),
};

export async function startMemoryRig(objects: KubeObject[], options: { tokens?: TokenProvider } = {}): Promise<MemoryRig> {
  const kube = new MemoryKube(objects);
  const timers = new ManualTimers(START);
  const lines: string[] = [];
  const redactor = new Redactor();
  const metrics = createMetrics({ processMetrics: false });
  const controller = new Controller({
    http: kube,
    tokens: options.tokens ?? noTokens,
    timers,
    log: jsonLogger(new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) }), redactor, timers, 'debug'),
    metrics,
    redactor,
    backoff: { baseMs: 1000, maxMs: 60_000 },
  });
  await controller.start();
  await settle();
  await controller.idle();
  const advance = async (ms: number): Promise<void> => {
    await settle(); // watch events of test-side changes arrive first, and arm their timers
    timers.advance(ms);
    await settle();
    await controller.idle();
    await settle();
  };
  return { kube, timers, controller, metrics, logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>), advance, close: () => controller.stop() };
}

export const statusOf = (kube: MemoryKube, name: string): Record<string, unknown> | undefined =>
  kube.get('imagepullsecrets', undefined, name)?.['status'] as Record<string, unknown> | undefined;
