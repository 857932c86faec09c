// Fuzzing the parsers of source Secrets in every format (docker configs: .dockerconfigjson, .dockercfg and their
// `auth` fields; ECR, ECR Public, ACR and GAR login configs; basic-auth), called directly: thousands of inputs a
// second. parseSource never throws, says each problem in one line without a credential, and lists every value that
// may be secret so the faces' redactor can hide it. A rendered docker config read back as a source gives the same
// logins (what the kubelet will read).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeDockerConfig, mergeCredentials } from '../../src/core/docker-config.js';
import { parseSource, type SourceSecret } from '../../src/core/sources.js';
import { finish, source, sourceSecret } from './apps.js';
import { FuzzStats, fuzz, testTimeout } from './fuzz-run.js';

const RUNS = 500;

describe('fuzz: source Secrets', () => {
  it('parseSource: never throws, no credential in its errors', async () => {
    const stats = new FuzzStats('sources/parse');
    const arbitrary = source.map((spec) => finish([sourceSecret(spec, 'source')]));
    await fuzz(
      stats,
      arbitrary,
      async (app) => {
        const secret = app.objects[0] as { type?: string; data?: Record<string, unknown>; stringData?: Record<string, unknown>; metadata: { annotations?: Record<string, unknown> } };
        const started = performance.now();
        const parsed = parseSource({ type: secret.type, data: secret.data, stringData: secret.stringData, annotations: secret.metadata.annotations } satisfies SourceSecret);
        stats.record(parsed.ok ? 'ok' : 'refused', performance.now() - started);
        if (!parsed.ok) {
          for (const error of parsed.errors) {
            expect(error.includes('\n'), error).toBe(false);
            for (const s of app.secrets) expect(error.includes(s), `${s} in ${error}`).toBe(false);
          }
        }
      },
      RUNS,
    );
  }, testTimeout(RUNS, 20));

  it('a rendered docker config, read back as a source, holds the same logins', async () => {
    const stats = new FuzzStats('sources/docker-config-round-trip');
    const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 }), fc.constantFrom('a:b', ':', 'é', '\u0000', ' '));
    // A username with a colon is refused when a source is read (test/unit/sources.test.ts): the kubelet would split it.
    const login = fc.record({ registry: fc.constantFrom('ghcr.io', 'registry.example.com:5000', 'https://index.docker.io/v1/'), username: text.filter((name) => !name.includes(':')), password: text });
    await fuzz(
      stats,
      fc.uniqueArray(login, { selector: (entry) => entry.registry, maxLength: 3 }),
      async (credentials) => {
        const { config } = mergeCredentials([{ source: 'fuzz', credentials }]);
        const json = encodeDockerConfig(config);
        const parsed = parseSource({ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': json } });
        stats.record(parsed.ok ? 'ok' : 'refused', 0);
        expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
        if (parsed.ok && parsed.plan.kind === 'static') {
          expect(parsed.plan.credentials.map(({ registry, username, password }) => ({ registry, username, password }))).toEqual(
            [...credentials].sort((a, b) => (a.registry < b.registry ? -1 : 1)),
          );
        }
      },
      RUNS,
    );
  }, testTimeout(RUNS, 20));
});
