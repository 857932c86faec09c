import { afterAll, beforeAll, beforeEach } from 'vitest';
import { ambientIdentities } from '../../src/adapters/ambient-identities.js';
import { startFakeAws, type FakeAws } from '../fakes/aws-server.js';
import { withEnv } from './env.js';

/**
 * The fake AWS for one test file: started before its tests, reset before each (with `now` as the server clock when
 * given; the process's cached AWS identity is forgotten before each in any case), stopped after. With `processEnv`, the endpoint variables are also set in process.env for what reads them
 * there: the SDK's own credential chain (web identity calls STS itself) and the CLI run in-process. Returns a getter
 * (the server exists once beforeAll has run).
 */
export function useFakeAws(options: { readonly now?: Date; readonly processEnv?: boolean } = {}): () => FakeAws {
  let aws: FakeAws | undefined;
  let restore: (() => void) | undefined;
  beforeAll(async () => {
    aws = await startFakeAws();
    if (options.processEnv) restore = withEnv(aws.env());
  });
  afterAll(async () => {
    restore?.();
    await aws?.close();
  });
  // The process's AWS identity is kept while it is valid (ambient-identities.ts): each test starts without one.
  beforeEach(() => ambientIdentities.forget());
  if (options.now) {
    const now = options.now;
    beforeEach(() => {
      aws!.reset();
      aws!.setNow(() => now);
    });
  }
  return () => aws!;
}
