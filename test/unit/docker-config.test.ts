import { describe, expect, it } from 'vitest';
import { encodeDockerConfig, mergeCredentials } from '../../src/core/docker-config.js';

describe('mergeCredentials', () => {
  const login = (registry: string, username = 'u', password = 'p') => ({ registry, username, password });

  it('sorts registries and computes auth, so the same input gives the same bytes', () => {
    const a = mergeCredentials([
      { source: 'ns.b', credentials: [login('quay.io')] },
      { source: 'ns.a', credentials: [login('docker.io')] },
    ]);
    const b = mergeCredentials([
      { source: 'ns.a', credentials: [login('docker.io')] },
      { source: 'ns.b', credentials: [login('quay.io')] },
    ]);
    expect(encodeDockerConfig(a.config)).toBe(encodeDockerConfig(b.config));
    expect(encodeDockerConfig(a.config)).toBe(
      '{"auths":{"docker.io":{"username":"u","password":"p","auth":"dTpw"},"quay.io":{"username":"u","password":"p","auth":"dTpw"}}}',
    );
  });

  it('reports a registry given twice with different logins, naming both sources', () => {
    const { conflicts } = mergeCredentials([
      { source: 'ns.a', credentials: [login('https://index.docker.io/v1/', 'a')] },
      { source: 'ns.b', credentials: [login('index.docker.io/v1', 'b')] },
    ]);
    expect(conflicts).toEqual([{ registry: 'index.docker.io/v1', sources: ['ns.a', 'ns.b'] }]);
  });

  it('merges identical logins without complaint', () => {
    const { config, conflicts } = mergeCredentials([
      { source: 'ns.a', credentials: [login('ghcr.io')] },
      { source: 'ns.b', credentials: [login('ghcr.io')] },
    ]);
    expect(conflicts).toEqual([]);
    expect(Object.keys(config.auths)).toEqual(['ghcr.io']);
  });

  it('keeps the earliest expiry of all sources', () => {
    const early = new Date('2026-01-01T00:00:00Z');
    const { config } = mergeCredentials([
      { source: 'a', credentials: [], expiresAt: new Date('2026-01-02T00:00:00Z') },
      { source: 'b', credentials: [], expiresAt: early },
      { source: 'c', credentials: [] },
    ]);
    expect(config.expiresAt).toEqual(early);
  });
});
