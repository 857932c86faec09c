// Whole fuzzed apps: ImagePullSecrets shaped by their schema (selectors, globs, names, inline sources) that name
// source Secrets of every type (docker configs, ECR, ECR Public, ACR, GAR login configs, basic-auth; in `data` or
// `stringData`; their content shaped by its schema, or broken JSON, or bytes that are not UTF-8), Namespaces, Pods and
// ServiceAccounts labelled from small pools so that selectors match, consent annotations with globs. Each part may be
// mutated. Every credential carries a canary.
import fc from 'fast-check';
import { stringify } from 'yaml';
import { CANARY_MARK, CREDENTIAL_FIELDS, fromSchema, loadSchema, mutated, onceIn, type JsonSchema } from './schema-arbitrary.js';
import { plantCanaries } from './yaml-text.js';

// Valid names, keys and values for the selectors; objects may also carry the invalid ones (the render must not target
// a Namespace named Bad_NS, nor choke on a label it could never select).
const NAMESPACES = ['shop', 'team-a', 'team-b', 'kube-system', 'registry-access'];
const OBJECT_NAMESPACES = [...NAMESPACES, 'Bad_NS', 'a'.repeat(64)];
const LABEL_KEYS = ['team', 'env', 'app.kubernetes.io/name', 'imps-krm.io/x'];
const OBJECT_LABEL_KEYS = [...LABEL_KEYS, 'Bad Key'];
const LABEL_VALUES = ['a', 'b', 'prod', ''];
const OBJECT_LABEL_VALUES = [...LABEL_VALUES, 'x'.repeat(64)];
const GLOBS = ['*', 'team-*', '*-a', 'kube-?ystem', '*a*a*a*a*a*a*a*a*b', '', '**', 'shop'];

const pick = <T>(values: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...values);
/** Mostly valid, sometimes not: an invalid name or label fails the whole render, which hides everything else. */
const rarely = <T>(valid: readonly T[], all: readonly T[]): fc.Arbitrary<T> => fc.oneof({ weight: 9, arbitrary: pick(valid) }, { weight: 1, arbitrary: pick(all) });
const labels = fc.dictionary(rarely(LABEL_KEYS, OBJECT_LABEL_KEYS), rarely(LABEL_VALUES, OBJECT_LABEL_VALUES), { maxKeys: 3 });
const globList = fc.array(pick(GLOBS), { maxLength: 3 }).map((list) => list.join(','));

const impsSchema = loadSchema('image-pull-secret.schema.json');
const SOURCE_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  'banzaicloud.io/aws-ecr-login-config': loadSchema('aws-ecr-login-config.schema.json'),
  'imps-krm.io/ecr-public-login-config': loadSchema('ecr-public-login-config.schema.json'),
  'imps-krm.io/acr-login-config': loadSchema('acr-login-config.schema.json'),
  'imps-krm.io/gar-login-config': loadSchema('gar-login-config.schema.json'),
  'kubernetes.io/basic-auth': loadSchema('basic-auth.schema.json'),
};
const dockerSchema = loadSchema('docker-config.schema.json');
const dockerAuths = fromSchema({ $ref: '#/definitions/DockerAuths' }, dockerSchema);

const b64 = (text: string | Buffer): string => Buffer.from(text).toString('base64');

/** A docker config's JSON: as its schema says, with `auth` the base64 of user:password as the kubelet reads it. */
const dockerJson = (wrapped: boolean): fc.Arbitrary<string> =>
  fc
    .tuple(mutated(dockerAuths), fc.boolean())
    .map(([auths, encodeAuth]) => {
      if (auths && typeof auths === 'object' && !Array.isArray(auths) && encodeAuth) {
        for (const entry of Object.values(auths as Record<string, unknown>)) {
          if (entry && typeof entry === 'object' && typeof (entry as Record<string, unknown>)['auth'] === 'string') {
            const record = entry as Record<string, unknown>;
            record['auth'] = `\uE000${String(record['auth'])}\uE001`; // encoded once the canaries are numbered
          }
        }
      }
      return JSON.stringify(wrapped ? { auths } : auths);
    });

/** JSON text with a few characters cut, doubled or swapped: what a hand-edited Secret holds. */
const brokenJson = (json: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(json, fc.nat(), fc.constantFrom('', '{', '}', '"', ',', ':', '\\', '\u0000')).map(([text, at, insert]) => {
    const i = at % (text.length + 1);
    // The generator's own markers (\uE000-\uE005, see finish) are never cut: a lost end marker made one `auth` span
    // the rest of the app, and the generator, not the CLI, failed.
    const cut = /[\uE000-\uE005]/.test(text.charAt(i)) ? 0 : 1;
    return `${text.slice(0, i)}${insert}${text.slice(i + cut)}`;
  });

export interface SourceSpec {
  readonly type: string;
  readonly values: Record<string, unknown>;
  readonly encoding: 'data' | 'stringData' | 'latin1';
  readonly annotations: Record<string, string>;
}

const sourceValues: fc.Arbitrary<{ type: string; values: Record<string, unknown> }> = fc.oneof(
  ...Object.entries(SOURCE_SCHEMAS).map(([type, schema]) => mutated(fromSchema(schema, schema), 2).map((values) => ({ type, values: asRecord(values) }))),
  fc.oneof(dockerJson(true), brokenJson(dockerJson(true))).map((json) => ({ type: 'kubernetes.io/dockerconfigjson', values: { '.dockerconfigjson': json } })),
  fc.oneof(dockerJson(false), brokenJson(dockerJson(false))).map((json) => ({ type: 'kubernetes.io/dockercfg', values: { '.dockercfg': json } })),
  fc.dictionary(fc.stringMatching(/^[a-zA-Z.]{1,12}$/), fc.string({ maxLength: 10 }).map((text) => `${text}${CANARY_MARK}`), { maxKeys: 3 }).map((values) => ({
    type: 'Opaque',
    values,
  })),
);

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
}

export const source: fc.Arbitrary<SourceSpec> = fc.record({
  typeAndValues: sourceValues,
  encoding: fc.constantFrom<SourceSpec['encoding']>('data', 'stringData', 'stringData', 'latin1'),
  annotations: fc.record(
    {
      'imps-krm.io/registry': fc.constantFrom('ghcr.io', 'registry.example.com:5000', '', 'https://index.docker.io/v1/'),
      'imps-krm.io/allowed-namespaces': globList,
      'imps-krm.io/allowed-image-pull-secrets': globList,
      'imps-krm.io/allowed-projects': globList,
    },
    { requiredKeys: [] },
  ),
}).map(({ typeAndValues, encoding, annotations }) => ({ ...typeAndValues, encoding, annotations }));

/** A selector from the pools (valid by construction). */
const selector = fc.record(
  {
    matchLabels: fc.dictionary(pick(LABEL_KEYS), pick(LABEL_VALUES), { maxKeys: 2 }),
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({ key: pick(LABEL_KEYS), operator: fc.constantFrom('In', 'NotIn'), values: fc.array(pick(LABEL_VALUES), { minLength: 1, maxLength: 2 }) }),
        fc.record({ key: pick(LABEL_KEYS), operator: fc.constantFrom('Exists', 'DoesNotExist') }),
      ),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);

/** An inline source holds no credential (refused: it belongs in a Secret), so neither do these. */
function keyless(config: Record<string, unknown>): Record<string, unknown> {
  const kept = Object.fromEntries(Object.entries(config).filter(([key]) => !CREDENTIAL_FIELDS.has(key) && key !== 'accessKeyID' && key !== 'clientSecret'));
  const identity = kept['identity'] === 'ServicePrincipal' ? 'ManagedIdentity' : kept['identity'];
  if (identity === undefined) return kept;
  // The combinations ACR accepts: a managed identity by clientID or resourceID (or neither), a workload identity.
  const { tenantID: _tenant, resourceID, clientID, ...rest } = kept;
  if (identity === 'WorkloadIdentity') return { ...rest, identity, ...(clientID === undefined ? {} : { clientID }) };
  return { ...rest, identity, ...(clientID !== undefined ? { clientID } : resourceID !== undefined ? { resourceID } : {}) };
}

/** Keyless sources as an ImagePullSecret's `inline` list, their config shaped by the source type's schema. */
const inlineSources = fc.array(
  fc.constantFrom('banzaicloud.io/aws-ecr-login-config', 'imps-krm.io/ecr-public-login-config', 'imps-krm.io/acr-login-config', 'imps-krm.io/gar-login-config').chain((type) =>
    fromSchema(SOURCE_SCHEMAS[type]!, SOURCE_SCHEMAS[type]!).map((config) => ({ type, config: keyless(asRecord(config)) })),
  ),
  { maxLength: 2 },
);

/** An ImagePullSecret written the way people write them: valid, from the pools. */
const canonicalImps = fc.record(
  {
    name: fc.constantFrom('pull', 'team-a-pull', 'x'),
    names: fc.array(pick(NAMESPACES), { maxLength: 3 }),
    labels: fc.array(selector, { maxLength: 2 }),
    withPods: fc.array(selector, { maxLength: 1 }),
    exclude: fc.array(pick(GLOBS.filter(Boolean)), { maxLength: 2 }),
    serviceAccounts: fc.array(fc.constantFrom('default', 'sa-0', 'sa-1'), { maxLength: 2 }),
    inline: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: inlineSources }),
    secretName: fc.constantFrom('regcred', 'pull-secret'),
  },
  { requiredKeys: ['name', 'names', 'secretName', 'inline'] },
).map((imps) => ({
  apiVersion: 'images.banzaicloud.io/v1alpha1',
  kind: 'ImagePullSecret',
  metadata: { name: imps.name },
  spec: {
    registry: imps.inline.length > 0 ? { inline: imps.inline } : {},
    target: {
      namespaces: { names: imps.names, ...(imps.labels ? { labels: imps.labels } : {}) },
      ...(imps.withPods ? { namespacesWithPods: { labels: imps.withPods } } : {}),
      ...(imps.exclude ? { excludeNamespaces: imps.exclude } : {}),
      ...(imps.serviceAccounts ? { serviceAccounts: imps.serviceAccounts } : {}),
      secret: { name: imps.secretName },
    },
  },
}));

const impsArbitrary = fc.oneof({ weight: 3, arbitrary: mutated(canonicalImps, 3) }, { weight: 1, arbitrary: mutated(fromSchema(impsSchema, impsSchema)) });

/**
 * Places where an author writes a name. A canary is not a valid name (upper case), and an invalid name is input that
 * may be anything, a pasted secret included: messages name it by the rule it breaks, never repeat it (as
 * select-inputs.ts says for ImagePullSecret names).
 */
const NAME_CANARY_PLACES = ['imps', 'namespace', 'pod', 'pod-namespace', 'credential-name', 'credential-namespace', 'target-secret', 'service-account', 'exclude', 'names', 'label-key', 'label-value', 'source-registry'] as const;

export interface FuzzedApp {
  /** The app as one YAML stream. */
  readonly yaml: string;
  /** The same objects as JSON documents (one per line: a YAML stream of flow mappings). */
  readonly json: string;
  readonly secrets: readonly string[];
  /** The objects, for faces that want them as items. */
  readonly objects: readonly unknown[];
}

export const fuzzedApp: fc.Arbitrary<FuzzedApp> = fc
  .record({
    imps: fc.array(impsArbitrary, { minLength: 1, maxLength: 2 }),
    sources: fc.array(source, { minLength: 1, maxLength: 3 }),
    namespaces: fc.array(fc.record({ name: rarely(NAMESPACES, OBJECT_NAMESPACES), labels }), { maxLength: 4 }),
    pods: fc.array(fc.record({ namespace: rarely(NAMESPACES, OBJECT_NAMESPACES), labels }), { maxLength: 2 }),
    serviceAccounts: fc.array(rarely(NAMESPACES, OBJECT_NAMESPACES), { maxLength: 2 }),
    wire: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 4 }),
    nameCanary: onceIn(3, fc.constantFrom(...NAME_CANARY_PLACES)),
  })
  .map(({ imps, sources, namespaces, pods, serviceAccounts, wire, nameCanary }) => {
    // Point ImagePullSecrets at the generated sources and namespaces, so that selectors and consent are exercised.
    const sourceRefs = sources.map((_, i) => ({ name: `source-${i}`, namespace: 'registry-access' }));
    const wired = imps.map((value, n) => wireImps(value, sourceRefs, wire, n));
    const objects: unknown[] = [
      ...wired,
      ...namespaces.map(({ name, labels }) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } })),
      ...pods.map(({ namespace, labels }, i) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, namespace, labels }, spec: { containers: [{ name: 'c', image: 'x' }] } })),
      ...serviceAccounts.map((namespace, i) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: `sa-${i}`, namespace } })),
      ...sources.map((spec, i) => sourceSecret(spec, `source-${i}`)),
    ];
    if (nameCanary) plantNameCanary(objects, nameCanary);
    return finish(objects);
  });

function plantNameCanary(objects: unknown[], place: (typeof NAME_CANARY_PLACES)[number]): void {
  const mark = CANARY_MARK;
  const find = (kind: string): Record<string, unknown> | undefined => objects.find((object) => asRecord(object)['kind'] === kind) as Record<string, unknown> | undefined;
  const meta = (object: Record<string, unknown> | undefined): Record<string, unknown> => asRecord(object?.['metadata']);
  const imps = find('ImagePullSecret');
  const spec = asRecord(imps?.['spec']);
  const target = asRecord(spec['target']);
  const registry = asRecord(spec['registry']);
  const credential = Array.isArray(registry['credentials']) ? asRecord(registry['credentials'][0]) : {};
  const namespaces = asRecord(target['namespaces']);
  switch (place) {
    case 'imps':
      if (imps) meta(imps)['name'] = mark;
      break;
    case 'namespace':
      if (find('Namespace')) meta(find('Namespace'))['name'] = mark;
      break;
    case 'pod':
      if (find('Pod')) meta(find('Pod'))['name'] = mark;
      break;
    case 'pod-namespace':
      if (find('Pod')) meta(find('Pod'))['namespace'] = mark;
      break;
    case 'credential-name':
      credential['name'] = mark;
      break;
    case 'credential-namespace':
      credential['namespace'] = mark;
      break;
    case 'target-secret':
      target['secret'] = { ...asRecord(target['secret']), name: mark };
      break;
    case 'service-account':
      target['serviceAccounts'] = [mark];
      break;
    case 'exclude':
      target['excludeNamespaces'] = [mark];
      break;
    case 'names':
      namespaces['names'] = [mark];
      break;
    case 'label-key':
      namespaces['labels'] = [{ matchLabels: { [mark]: 'a' } }];
      break;
    case 'label-value':
      namespaces['labels'] = [{ matchLabels: { team: `${mark}` } }];
      break;
    case 'source-registry': {
      const source = find('Secret');
      if (source) meta(source)['annotations'] = { ...asRecord(meta(source)['annotations']), 'imps-krm.io/registry': `${mark} x` };
      break;
    }
  }
}

function wireImps(value: unknown, refs: ReadonlyArray<{ name: string; namespace: string }>, wire: ReadonlyArray<readonly [number, number]>, n: number): unknown {
  const imps = asRecord(value);
  const spec = asRecord(imps['spec']);
  const registry = asRecord(spec['registry']);
  if (Array.isArray(registry['credentials'])) {
    registry['credentials'] = registry['credentials'].map((credential, i) => {
      const [a] = wire[(i + n) % Math.max(1, wire.length)] ?? [i, 0];
      return credential && typeof credential === 'object' ? { ...credential, ...refs[a % refs.length] } : credential;
    });
  }
  if ((registry['credentials'] === undefined || (Array.isArray(registry['credentials']) && registry['credentials'].length === 0)) && !registry['inline']) {
    registry['credentials'] = [refs[n % refs.length]];
  }
  spec['registry'] = registry;
  const target = asRecord(spec['target']);
  const namespaces = asRecord(target['namespaces']);
  // Half the time, names and selectors from the pools the other objects use, so that something is selected.
  const [, choice = n] = wire[n % Math.max(1, wire.length)] ?? [];
  if (choice % 4 !== 3) {
    namespaces['names'] = [NAMESPACES[choice % NAMESPACES.length], NAMESPACES[(choice >> 3) % NAMESPACES.length]];
    if (choice % 4 === 0) namespaces['labels'] = [{ matchLabels: { [LABEL_KEYS[choice % LABEL_KEYS.length]!]: LABEL_VALUES[(choice >> 2) % LABEL_VALUES.length] } }];
    if (choice % 8 === 0) target['excludeNamespaces'] = [GLOBS[(choice >> 4) % GLOBS.length]];
  }
  target['namespaces'] = namespaces;
  spec['target'] = target;
  imps['spec'] = spec;
  return imps;
}

export function sourceSecret(spec: SourceSpec, name: string): unknown {
  const stringValues = Object.fromEntries(Object.entries(spec.values).map(([key, value]) => [key, typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value)]));
  const base = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'registry-access', annotations: spec.annotations }, type: spec.type };
  if (spec.encoding === 'stringData') return { ...base, stringData: spec.values };
  const encode = (text: string): string => (spec.encoding === 'latin1' ? `\uE002${text}\uE003` : `\uE004${text}\uE005`);
  return { ...base, data: Object.fromEntries(Object.entries(stringValues).map(([key, text]) => [key, encode(text)])) };
}

/**
 * Numbers the canaries, then encodes what must be encoded with the canaries in it (`auth`: base64 of user:password;
 * `data`: base64 of the text, or of its Latin-1 bytes, which are not UTF-8 where the text is not ASCII). Every
 * encoded form is a secret too.
 */
export function finish(objects: readonly unknown[]): FuzzedApp {
  const planted = plantCanaries(JSON.stringify(objects));
  const secrets = [...planted.secrets];
  const encoded = planted.text
    .replace(/\uE000([^\uE001]*)\uE001/g, (_, auth: string) => {
      const value = b64(`bot:${JSON.parse(`"${auth}"`) as string}`);
      secrets.push(value);
      return value;
    })
    .replace(/\uE002([^\uE003]*)\uE003/g, (_, text: string) => {
      const value = b64(Buffer.from(JSON.parse(`"${text}"`) as string, 'latin1'));
      if (/CANARY/.test(text)) secrets.push(value);
      return value;
    })
    .replace(/\uE004([^\uE005]*)\uE005/g, (_, text: string) => {
      const value = b64(JSON.parse(`"${text}"`) as string);
      if (/CANARY/.test(text)) secrets.push(value);
      return value;
    });
  const finished = JSON.parse(encoded) as unknown[];
  return {
    objects: finished,
    yaml: finished.map((object) => stringify(object, { lineWidth: 0 })).join('---\n'),
    json: finished.map((object) => JSON.stringify(object)).join('\n---\n'),
    // A base64 form shorter than a canary is too common a string to look for.
    secrets: secrets.filter((secret) => secret.length >= 12),
  };
}

export { CREDENTIAL_FIELDS };

/** Annotation values may be any text: what a YAML printer must quote to give back the same string. */
const annotationValue = fc.oneof(
  fc.string({ maxLength: 24 }),
  // \uE000-\uE005 are finish()'s markers: a grapheme string holding one made finish() decode the wrong span.
  fc.string({ unit: 'grapheme', maxLength: 8 }).map((text) => text.replace(/[\uE000-\uE005]/g, '\uFFFD')),
  fc.constantFrom('yes', 'no', 'on', 'y', '~', 'null', '0x10', '1e3', '.inf', '2026-11-29T22:29:50Z', '1:20', '=', '<<', '*a', '&a', '!t', '- x', '? x', '# x', 'a: b', '|', '>', '"', "'", '%', '@', '`', ' lead', 'trail ', '', 'a\nb', 'a\r\nb', '\t', '\u2028', '\u0085', '\ufeff', 'é', '{}', '[]', ',', '0755', '1_000'),
);

export interface RenderableApp extends FuzzedApp {
  /** The annotations and labels the target Secret must carry, exactly. */
  readonly annotations: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  /** Its namespaces. */
  readonly namespaces: readonly string[];
}

/**
 * An app that renders: a valid ImagePullSecret naming static sources (a docker config and a basic-auth Secret whose
 * logins are odd text), its namespaces present, and target annotations and labels of any text they may hold. What is
 * printed must read back to exactly those values.
 */
export const renderableApp: fc.Arbitrary<RenderableApp> = fc
  .record({
    namespaces: fc.uniqueArray(pick(NAMESPACES.filter((name) => name !== 'registry-access')), { minLength: 1, maxLength: 3 }),
    annotations: fc.dictionary(fc.stringMatching(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]+)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,20}[A-Za-z0-9])?$/), annotationValue, { maxKeys: 4 }),
    labels: fc.dictionary(pick(LABEL_KEYS), pick(LABEL_VALUES), { maxKeys: 2 }),
    logins: fc.array(fc.record({ username: fc.string({ maxLength: 10 }).filter((name) => !name.includes(':')), password: annotationValue }), { minLength: 1, maxLength: 2 }),
  })
  .map(({ namespaces, annotations, labels, logins }) => {
    const registries = ['ghcr.io', 'registry.example.com:5000'];
    const sources = logins.map(({ username, password }, i) =>
      i === 0
        ? {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'source-0', namespace: 'registry-access' },
            type: 'kubernetes.io/dockerconfigjson',
            stringData: { '.dockerconfigjson': JSON.stringify({ auths: { [registries[0]!]: { username, password: `${password}${CANARY_MARK}` } } }) },
          }
        : {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: `source-${i}`, namespace: 'registry-access', annotations: { 'imps-krm.io/registry': registries[i % 2] } },
            type: 'kubernetes.io/basic-auth',
            stringData: { username: username === '' ? 'u' : username, password: `${password}${CANARY_MARK}` },
          },
    );
    const imps = {
      apiVersion: 'images.banzaicloud.io/v1alpha1',
      kind: 'ImagePullSecret',
      metadata: { name: 'pull' },
      spec: {
        registry: { credentials: sources.map(({ metadata }) => ({ name: metadata.name, namespace: 'registry-access' })) },
        target: { namespaces: { names: namespaces }, secret: { name: 'regcred', annotations, labels } },
      },
    };
    const app = finish([imps, ...namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })), ...sources]);
    return { ...app, annotations, labels, namespaces };
  });
