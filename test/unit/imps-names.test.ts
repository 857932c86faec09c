import { describe, expect, it } from 'vitest';
import { validateImps } from '../../src/app/select-inputs.js';

const ECR = 'banzaicloud.io/aws-ecr-login-config';
const a = (n: number): string => 'a'.repeat(n);
const LABEL = "invalid DNS-1123 label: must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const SUBDOMAIN = "invalid DNS-1123 subdomain: must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const LABEL_KEY = "invalid label key: must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
const LABEL_VALUE = "invalid label value: must be empty or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** An ImagePullSecret that validates, with `target` fields replaced. */
function imps(target: Record<string, unknown> = {}, registry: Record<string, unknown> = { credentials: [{ name: 'src', namespace: 'creds' }] }) {
  return {
    apiVersion: 'images.banzaicloud.io/v1alpha1',
    kind: 'ImagePullSecret',
    metadata: { name: 'imps' },
    spec: { registry, target: { secret: { name: 'pull' }, namespaces: { names: ['app'] }, ...target } },
  };
}

const lines = (value: Record<string, unknown>): string[] => {
  const result = validateImps(value, { path: 'imps.yaml', index: 0 });
  return Array.isArray(result) ? result.map((problem) => `${problem.resource?.name}: ${problem.field}: ${problem.message}`) : [];
};

describe('validateImps: names and selectors follow the API server rules', () => {
  it('accepts the usual shapes', () => {
    expect(
      lines(
        imps({
          secret: { name: 'pull.secret-1', labels: { 'app.kubernetes.io/name': 'x', tier: '' }, annotations: { 'Example.COM/Note': 'any text at all' } },
          namespaces: {
            names: ['app', a(63)],
            labels: [{ matchLabels: { 'k8s.io/A_b': 'v-1.2_3' }, matchExpressions: [{ key: 'team', operator: 'In', values: ['a', ''] }] }],
            annotations: [{ matchAnnotations: { 'sidecar.istio.io/inject': 'true' }, matchExpressions: [{ key: 'Any.Case/Key', operator: 'Exists' }] }],
          },
          namespacesWithPods: { labels: [{ matchExpressions: [{ key: 'istio.io/rev', operator: 'DoesNotExist' }] }] },
          excludeNamespaces: ['kube-*', '*-system', 'team-?', 'exact'],
          serviceAccounts: ['default', 'builder.bot'],
        }),
      ),
    ).toEqual([]);
  });

  it('refuses namespace names that are not DNS-1123 labels', () => {
    expect(lines(imps({ namespaces: { names: ['../etc', 'A1', a(64), 'a.b', ''] } }))).toEqual([
      `imps: spec.target.namespaces.names[0]: ${LABEL}`,
      `imps: spec.target.namespaces.names[1]: ${LABEL}`,
      'imps: spec.target.namespaces.names[2]: must be at most 63 characters',
      `imps: spec.target.namespaces.names[3]: ${LABEL}`,
      `imps: spec.target.namespaces.names[4]: ${LABEL}`,
    ]);
  });

  it('refuses excludeNamespaces entries that are neither a name nor a glob of label characters', () => {
    const glob = "invalid namespace name or glob: a name must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character; a glob may also have '*' and '?'";
    expect(lines(imps({ excludeNamespaces: ['Kube-*', 'a_*', 'a.b', `${a(63)}*`, 'ok-*'] }))).toEqual([
      `imps: spec.target.excludeNamespaces[0]: ${glob}`,
      `imps: spec.target.excludeNamespaces[1]: ${glob}`,
      `imps: spec.target.excludeNamespaces[2]: ${glob}`,
      'imps: spec.target.excludeNamespaces[3]: must be at most 63 characters',
    ]);
  });

  it('refuses a target Secret name, ServiceAccount names and source references that Kubernetes would refuse', () => {
    expect(
      lines(
        imps(
          { secret: { name: 'Bad_Name' }, serviceAccounts: ['default', 'Bad_SA', `${a(254)}`] },
          { credentials: [{ name: 'a..b', namespace: 'creds' }, { name: 'src', namespace: 'Creds' }] },
        ),
      ),
    ).toEqual([
      `imps: spec.registry.credentials[0].name: ${SUBDOMAIN}`,
      `imps: spec.registry.credentials[1].namespace: ${LABEL}`,
      `imps: spec.target.secret.name: ${SUBDOMAIN}`,
      `imps: spec.target.serviceAccounts[1]: ${SUBDOMAIN}`,
      'imps: spec.target.serviceAccounts[2]: must be at most 253 characters',
    ]);
  });

  it('refuses label selectors with invalid keys or values, and requirement values that break the operator rule', () => {
    const target = {
      namespaces: {
        labels: [
          { matchLabels: { 'bad key': 'v', ok: 'bad value!', [`${a(254)}/a`]: 'v' } },
          {
            matchExpressions: [
              { key: 'Example.com/x', operator: 'In', values: ['fine', '-bad'] },
              { key: 'x', operator: 'In', values: [] },
              { key: 'y', operator: 'Exists', values: ['v'] },
            ],
          },
        ],
      },
      namespacesWithPods: { labels: [{ matchExpressions: [{ key: `a/${a(64)}`, operator: 'Exists' }] }] },
    };
    expect(lines(imps(target))).toEqual([
      `imps: spec.target.namespaces.labels[0].matchLabels["bad key"]: ${LABEL_KEY}`,
      'imps: spec.target.namespaces.labels[0].matchLabels.ok: ' + LABEL_VALUE,
      `imps: spec.target.namespaces.labels[1].matchExpressions[0].key: ${LABEL_KEY}`,
      `imps: spec.target.namespaces.labels[1].matchExpressions[0].values[1]: ${LABEL_VALUE}`,
      'imps: spec.target.namespaces.labels[1].matchExpressions[1].values: must not be empty',
      'imps: spec.target.namespaces.labels[1].matchExpressions[2].values: must be empty',
      `imps: spec.target.namespacesWithPods.labels[0].matchExpressions[0].key: ${LABEL_KEY}`,
    ]);
  });

  it('checks a label key prefix over 253 characters, which no pattern can say, once the schema holds', () => {
    expect(lines(imps({ namespaces: { labels: [{ matchLabels: { [`${a(254)}/a`]: 'v' } }] } }))).toEqual([
      'imps: spec.target.namespaces.labels[0].matchLabels[<key of 256 characters>]: invalid label key: prefix part must be no more than 253 characters',
    ]);
    expect(lines(imps({ namespacesWithPods: { labels: [{ matchExpressions: [{ key: `${a(254)}/a`, operator: 'Exists' }] }] } }))).toEqual([
      'imps: spec.target.namespacesWithPods.labels[0].matchExpressions[0].key: invalid label key: prefix part must be no more than 253 characters',
    ]);
  });

  it('refuses annotation selector keys and target annotation keys that are not qualified names', () => {
    const target = {
      secret: { name: 'pull', labels: { 'Bad Label': 'x' }, annotations: { 'a b': 'x', 'Fine.Example/Key': 'any value: spaces, /, !' } },
      namespaces: {
        annotations: [{ matchAnnotations: { 'sidecar.istio.io/inject': 'true', 'a/b/c': 'x' }, matchExpressions: [{ key: '-x', operator: 'Exists' }] }],
      },
      namespacesWithPods: { annotations: [{ matchExpressions: [{ key: '/x', operator: 'In', values: ['free text'] }] }] },
    };
    expect(lines(imps(target))).toEqual([`imps: spec.target.secret.labels["Bad Label"]: ${LABEL_KEY}`]);
    delete (target.secret as { labels?: unknown }).labels;
    expect(lines(imps(target))).toEqual([
      "imps: spec.target.secret.annotations[\"a b\"]: invalid annotation key: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
      `imps: spec.target.namespaces.annotations[0].matchAnnotations["a/b/c"]: ${LABEL_KEY.replace('label key', 'annotation key')}`,
      "imps: spec.target.namespaces.annotations[0].matchExpressions[0].key: invalid annotation key: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
      'imps: spec.target.namespacesWithPods.annotations[0].matchExpressions[0].key: invalid annotation key: prefix part must be non-empty',
    ]);
  });

  it('limits the target annotations to 256 KiB, as the API server would when writing the Secret', () => {
    expect(lines(imps({ secret: { name: 'pull', annotations: { note: a(256 * 1024) } } }))).toEqual([
      'imps: spec.target.secret.annotations: keys and values must be no more than 262144 bytes together',
    ]);
  });

  it('never repeats a long or unprintable key or value: the path says which key, the message which rule', () => {
    const long = `${'x'.repeat(5_000)}CANARY`;
    const result = lines(
      imps({
        namespaces: {
          names: [long],
          labels: [{ matchLabels: { [long]: long, 'tab\tkey': 'v' }, matchExpressions: [{ key: long, operator: 'In', values: [long] }] }],
        },
        excludeNamespaces: [long],
      }),
    );
    expect(result.length).toBeGreaterThan(0);
    for (const line of result) {
      expect(line).not.toContain('CANARY');
      expect(line.length).toBeLessThan(400);
    }
    expect(result).toContain('imps: spec.target.namespaces.labels[0].matchLabels[<key of 5006 characters>]: must be at most 317 characters');
    expect(result).toContain(`imps: spec.target.namespaces.labels[0].matchLabels[<key of 7 characters>]: ${LABEL_KEY}`);
  });

  it('names an ImagePullSecret whose own name is invalid by its rule, not by the name', () => {
    const value = imps();
    value.metadata.name = `Bad_${'x'.repeat(300)}CANARY`;
    expect(lines(value)).toEqual([
      '<invalid name>: metadata.name: must be at most 253 characters',
      `<invalid name>: metadata.name: ${SUBDOMAIN}`,
    ]);
  });
});

describe('validateImps: accountID is 12 digits, and a YAML number gets the quoting hint', () => {
  const inline = (accountID: unknown) => imps({}, { inline: [{ type: ECR, config: { region: 'eu-west-1', accountID } }] });

  it('accepts 12 digits, leading zeros included', () => {
    expect(lines(inline('012345678901'))).toEqual([]);
  });

  it.each([
    ['one digit', '1'],
    ['11 digits', '12345678901'],
    ['13 digits', '1234567890123'],
    ['a letter', '12345678901a'],
    ['5,000 digits', '1'.repeat(5_000)],
    ['a space', ' 123456789012'],
  ])('refuses %s', (_, accountID) => {
    expect(lines(inline(accountID))).toEqual(['imps: spec.registry.inline[0].config.accountID: must be 12 digits']);
  });

  it('says to quote a number', () => {
    expect(lines(inline(123456789012))).toEqual(['imps: spec.registry.inline[0].config.accountID: must be a string of 12 digits (quote it: "123456789012")']);
    expect(lines(inline(Number('1'.repeat(5_000))))).toEqual([
      'imps: spec.registry.inline[0].config.accountID: must be a string of 12 digits (quote it: "123456789012")',
    ]);
  });
});
