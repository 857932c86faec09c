// Issue 9: every provider through the BUILT CLI, with and without an HTTPS proxy in front of the fakes. The bundle
// once failed behind a proxy before any request (`TypeError: u is not a constructor`: esbuild gave gaxios's
// dynamically imported https-proxy-agent only a default export), and the AWS SDK and the ACR token service ignored
// HTTPS_PROXY while the Azure and Google SDKs used it. The same input must give the same Secret both ways; through
// the proxy, every https request to a cloud goes through a CONNECT tunnel the proxy counts, and the link-local
// metadata server (plain http) never does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACR_REGISTRY, authsOf, linesOf, renderInput, renderWithCli, SOURCES, startCloudRig, type CloudRig } from './built-cli-rig.js';

let rig: CloudRig;
beforeAll(async () => {
  rig = await startCloudRig();
});
afterAll(async () => {
  await rig?.close();
});

interface Case {
  readonly source: string;
  /** The registry key in the rendered Secret. */
  readonly registry: string;
  /** The distinct tunnel targets through the proxy (`forward:` for a plain http request it relays). */
  readonly tunnels: (rig: CloudRig) => string[];
  readonly env?: (rig: CloudRig) => Record<string, string>;
}

const entra = (r: CloudRig): string => `connect:${new URL(r.azure.authorityHost).host}`;

const cases: Case[] = [
  { source: 'ecr', registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', tunnels: () => ['connect:api.ecr.eu-west-1.amazonaws.com:443'] },
  { source: 'ecr-public', registry: 'public.ecr.aws', tunnels: () => ['connect:api.ecr-public.us-east-1.amazonaws.com:443'] },
  // The Azure SDK sends the IMDS request (plain http) to HTTPS_PROXY too: operators list 169.254.169.254 in NO_PROXY.
  { source: 'acr-mi', registry: ACR_REGISTRY, tunnels: (r) => [`connect:${ACR_REGISTRY}:443`, `forward:${r.azure.httpUrl.slice('http://'.length)}`] },
  { source: 'acr-wi', registry: ACR_REGISTRY, tunnels: (r) => [`connect:${ACR_REGISTRY}:443`, entra(r)], env: (r) => r.workloadIdentityEnv },
  { source: 'acr-sp', registry: ACR_REGISTRY, tunnels: (r) => [`connect:${ACR_REGISTRY}:443`, entra(r)] },
  { source: 'gar-metadata', registry: 'europe-west1-docker.pkg.dev', tunnels: () => [] },
  { source: 'gar-key', registry: 'europe-west1-docker.pkg.dev', tunnels: () => ['connect:oauth2.googleapis.com:443'] },
];

describe('every provider through the built CLI, without and with HTTPS_PROXY', () => {
  for (const c of cases) {
    it(`${c.source}: the same Secret both ways; through the proxy, every cloud request in a tunnel`, async () => {
      const input = renderInput([c.source]);
      const seen: Record<string, unknown> = {};
      for (const how of ['direct', 'proxy'] as const) {
        rig.reset();
        const ran = await renderWithCli(rig, input, rig.env(how, c.env?.(rig)));
        expect({ how, code: ran.code, stderr: linesOf(ran.stderr) }).toEqual({ how, code: 0, stderr: ['rendered 1 Secret for ImagePullSecret pull: namespace app'] });
        const auths = authsOf(ran.stdout);
        expect(Object.keys(auths)).toEqual([c.registry]);
        seen[how] = auths;
        const tunnels = [...new Set(rig.proxy.tunnels.map((t) => `${t.kind}:${t.target}`))].sort();
        expect({ how, tunnels, refused: rig.proxy.refused }).toEqual({ how, tunnels: how === 'proxy' ? c.tunnels(rig).sort() : [], refused: [] });
      }
      expect(seen['proxy']).toEqual(seen['direct']);
    });
  }
});

describe('NO_PROXY', () => {
  it('exempts the hosts it lists: the ACR token service directly (over TLS, by its name), Entra ID through the proxy', async () => {
    rig.reset();
    const ran = await renderWithCli(rig, renderInput(['acr-sp']), rig.env('proxy', { NO_PROXY: '.azurecr.io' }, { redirect: true }));
    expect({ code: ran.code, stderr: linesOf(ran.stderr) }).toEqual({ code: 0, stderr: ['rendered 1 Secret for ImagePullSecret pull: namespace app'] });
    expect(Object.keys(authsOf(ran.stdout))).toEqual([ACR_REGISTRY]);
    expect([...new Set(rig.proxy.tunnels.map((t) => `${t.kind}:${t.target}`))]).toEqual([entra(rig)]);
    expect(rig.azure.calls.filter((c) => c.endpoint === 'acr-exchange')).toHaveLength(1);
  });
});

describe('side by side through the proxy', () => {
  it('ECR in two regions and ECR Public at once: one call each (no client tears down another\'s tunnel)', async () => {
    rig.reset();
    const us = { name: 'ecr-us', data: { ...SOURCES['ecr']!(), region: 'us-east-1' } };
    const ran = await renderWithCli(rig, renderInput(['ecr', us, 'ecr-public']), rig.env('proxy'));
    expect({ code: ran.code, stderr: linesOf(ran.stderr) }).toEqual({ code: 0, stderr: ['rendered 1 Secret for ImagePullSecret pull: namespace app'] });
    expect(rig.aws.calls.map((c) => `${c.service}:${c.region}`).sort()).toEqual(['ecr-public:us-east-1', 'ecr:eu-west-1', 'ecr:us-east-1']);
    expect([...new Set(rig.proxy.tunnels.map((t) => t.target))].sort()).toEqual(['api.ecr-public.us-east-1.amazonaws.com:443', 'api.ecr.eu-west-1.amazonaws.com:443', 'api.ecr.us-east-1.amazonaws.com:443']);
  });
});
