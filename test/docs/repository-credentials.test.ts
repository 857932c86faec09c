// docs/repository-credentials.md cannot drift: its examples are read out of the page (each fenced block after an
// `<!-- example: <name>/<role> -->` line), the inputs rendered by the built CLI (`imps-krm render`, dist/cli.js) against a fake ECR,
// and the outputs compared with the page (shown decoded, as stringData). The Argo CD, Kargo and Flux objects are
// checked against the rendered Secrets with each tool's matching rule. UPDATE_GOLDEN=1 rewrites the output blocks.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { toYamlStream } from '../../src/io/yaml-output.js';
import { FIXED_NOW, UPDATE } from '../golden/harness.js';
import { useFakeAws } from '../support/fake-aws.js';
import { requireBuiltCli, runBuiltCli, type CliResult } from '../support/run-built-cli.js';

const PAGE = join(import.meta.dirname, '..', '..', 'docs', 'repository-credentials.md');
const fakeAws = useFakeAws({ now: FIXED_NOW });
requireBuiltCli();

type Json = Record<string, unknown>;

interface Example {
  readonly name: string;
  /** The fenced block's text (without the fences) and where it sits in the page, for rewriting. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** Every `<!-- example: x -->` marker and the fenced block that follows it. */
function examples(page: string): Map<string, Example> {
  const found = new Map<string, Example>();
  for (const match of page.matchAll(/<!-- example: ([\w/-]+) -->\n```[a-z]*\n/g)) {
    const start = match.index + match[0].length;
    const end = page.indexOf('```\n', start);
    found.set(match[1]!, { name: match[1]!, text: page.slice(start, end), start, end });
  }
  return found;
}

async function render(input: string): Promise<CliResult> {
  const dir = mkdtempSync(join(tmpdir(), 'imps-krm-docs-'));
  writeFileSync(join(dir, 'input.yaml'), input);
  return runBuiltCli(['render', '-f', 'input.yaml', '--cluster', 'input'], { cwd: dir, env: fakeAws().env() });
}

/** The Secrets as a person reads them: `data` decoded into `stringData`. */
function decoded(stdout: string): string {
  const secrets = parseAllDocuments(stdout).map((document) => document.toJS() as Json);
  return toYamlStream(
    secrets.map(({ data, ...secret }) => ({
      ...secret,
      stringData: Object.fromEntries(Object.entries(data as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')])),
    })),
  );
}

const objectsOf = (text: string): Json[] => parseAllDocuments(text).map((document) => document.toJS() as Json);
const at = (object: unknown, ...path: string[]): unknown => path.reduce<unknown>((value, key) => (value as Json | undefined)?.[key], object);

let page = readFileSync(PAGE, 'utf8');
const blocks = examples(page);
const rendered = new Map<string, Json[]>();

describe('docs/repository-credentials.md', () => {
  it('has the examples the tests expect', () => {
    expect([...blocks.keys()].sort()).toEqual(['ecr/argocd-application', 'ecr/flux', 'ecr/input', 'ecr/kargo-warehouse', 'ecr/output', 'static/input', 'static/output']);
  });

  for (const name of ['static', 'ecr']) {
    it(`renders the ${name} example to the output shown`, async () => {
      const run = await render(blocks.get(`${name}/input`)!.text);
      expect(run.stderr).toMatch(/^rendered \d+ Secrets? for ImagePullSecret \w+: .*; 2 repository credentials in argocd, kargo-shop\n$/);
      expect(run.code).toBe(0);
      const output = decoded(run.stdout);
      const block = blocks.get(`${name}/output`)!;
      if (UPDATE) {
        // Rewrite the block in the page (the page is read again for the next example: offsets move).
        const current = examples(page).get(`${name}/output`)!;
        page = `${page.slice(0, current.start)}${output}${page.slice(current.end)}`;
        writeFileSync(PAGE, page);
      } else {
        expect(output).toBe(block.text);
      }
      rendered.set(name, objectsOf(run.stdout));
    });
  }

  it('shows the summary line the static example prints', async () => {
    const run = await render(blocks.get('static/input')!.text);
    expect(page).toContain(`$ imps-krm render -f harbor.yaml --cluster input\n${run.stderr}`);
  });

  it('gives the Argo CD Application its credentials by Argo CD\'s rule: the longest template URL that prefixes repoURL', () => {
    const [application] = objectsOf(blocks.get('ecr/argocd-application')!.text);
    const repoURL = String(at(application, 'spec', 'source', 'repoURL')).toLowerCase();
    const templates = (rendered.get('ecr') ?? [])
      .filter((secret) => at(secret, 'metadata', 'labels', 'argocd.argoproj.io/secret-type') === 'repo-creds' && at(secret, 'metadata', 'namespace') === at(application, 'metadata', 'namespace'))
      .map((secret) => Buffer.from(String(at(secret, 'data', 'url')), 'base64').toString('utf8'));
    expect(templates.length).toBeGreaterThan(0);
    expect(templates.filter((url) => repoURL.startsWith(url))).toHaveLength(1);
  });

  it('gives the Kargo Warehouse its credentials: a Secret of its project namespace whose pattern matches the image', () => {
    const [warehouse] = objectsOf(blocks.get('ecr/kargo-warehouse')!.text);
    const image = String(at((at(warehouse, 'spec', 'subscriptions') as unknown[])[0], 'image', 'repoURL'));
    const credentials = (rendered.get('ecr') ?? []).filter(
      (secret) => at(secret, 'metadata', 'namespace') === at(warehouse, 'metadata', 'namespace') && at(secret, 'metadata', 'labels', 'kargo.akuity.io/cred-type') === 'image',
    );
    expect(credentials).toHaveLength(1);
    const data = at(credentials[0], 'data') as Record<string, string>;
    const plain = (key: string): string => Buffer.from(data[key]!, 'base64').toString('utf8');
    expect(plain('repoURLIsRegex')).toBe('true');
    expect(new RegExp(plain('repoURL')).test(image)).toBe(true);
  });

  it('gives Flux the pull Secret: in the object\'s namespace, its auths naming the host of spec.url', () => {
    const objects = objectsOf(blocks.get('ecr/flux')!.text);
    expect(objects.map((object) => `${String(object['apiVersion'])} ${String(object['kind'])}`)).toEqual(['source.toolkit.fluxcd.io/v1 OCIRepository', 'source.toolkit.fluxcd.io/v1 HelmRepository']);
    for (const object of objects) {
      const url = String(at(object, 'spec', 'url'));
      expect(url.startsWith('oci://')).toBe(true);
      const pull = (rendered.get('ecr') ?? []).find(
        (secret) => secret['type'] === 'kubernetes.io/dockerconfigjson' && at(secret, 'metadata', 'name') === at(object, 'spec', 'secretRef', 'name') && at(secret, 'metadata', 'namespace') === at(object, 'metadata', 'namespace'),
      );
      expect(pull, `${String(at(object, 'metadata', 'name'))}: no pull Secret of that name in its namespace`).toBeDefined();
      const config = JSON.parse(Buffer.from(String(at(pull, 'data', '.dockerconfigjson')), 'base64').toString('utf8')) as { auths: Record<string, unknown> };
      expect(Object.keys(config.auths)).toContain(new URL(url).host);
    }
  });
});
