// The controller's planner (src/core/secret-plan.ts), table-driven in the style of Azure/msi-acrpull's controller
// tests (internal/controller/acrpullbinding_controller_test.go: each case a cluster state and the action expected):
// each row is the cached Secrets and ServiceAccounts plus a render outcome, and the actions the planner must return.
import { describe, expect, it } from 'vitest';
import { EXPIRES_AT_ANNOTATION, OWNER_LABEL } from '../../src/core/contract.js';
import { planOrphanSweep, planSecrets, planServiceAccountSweep, type SecretPlanInput } from '../../src/core/secret-plan.js';
import {
  ARGO_LABEL,
  CURRENT,
  desiredRepository,
  IMPS_UID_LABEL,
  MARK,
  OUR_REF,
  OWNER,
  impsSecret,
  input,
  manifest,
  recordOf,
  ref,
  REPO_NAME,
  repositorySecret,
  secret,
  serviceAccount,
  shell,
  summary,
} from './plan-builders.js';

interface Row {
  readonly name: string;
  readonly input: SecretPlanInput;
  readonly actions: string[];
  readonly current?: string[];
}

const rows: Row[] = [
  { name: 'nothing there: creates the Secret in every selected namespace', input: input(['a', 'b']), actions: ['create a/regcred', 'create b/regcred'] },
  {
    name: 'ours and current: no write',
    input: input(['a'], { secrets: [secret('a')] }),
    actions: [],
    current: ['a'],
  },
  {
    name: 'ours with an old token: patches the data only',
    input: input(['a'], { secrets: [secret('a', { dataHash: 'old' })] }),
    actions: ['patch a/regcred (data)'],
  },
  {
    name: 'ours with a data key that is not ours: patched away',
    input: input(['a'], { secrets: [secret('a', { dataKeys: ['.dockerconfigjson', 'extra'] })] }),
    actions: ['patch a/regcred (data)'],
  },
  {
    name: "ours, another tool's label and annotation on it: current (they are not ours to remove)",
    input: input(['a'], { secrets: [secret('a', { labels: { ...secret('a').labels, team: 'x' }, annotations: { ...secret('a').annotations, note: 'y' } })] }),
    actions: [],
    current: ['a'],
  },
  {
    name: 'ours, nothing expires any more: the expiry annotation goes',
    input: input(['a'], { secrets: [secret('a')], desired: [{ manifest: manifest('a', null), dataHash: CURRENT }] }),
    actions: ['patch a/regcred (annotations)'],
  },
  {
    name: 'ours, owner reference as IMPS wrote it (not controller): ours replaces it',
    input: input(['a'], { secrets: [secret('a', { ownerReferences: [ref('ImagePullSecret', OWNER.uid, OWNER.name, false)] })] }),
    actions: ['patch a/regcred (ownerReferences)'],
  },
  {
    name: "the IMPS controller's Secret for this ImagePullSecret: adopted in place",
    input: input(['a'], { secrets: [impsSecret('a')] }),
    actions: ['adopt a/regcred from IMPS'],
  },
  {
    name: "a person's or another tool's Secret (no owner label): refused",
    input: input(['a', 'b'], { secrets: [secret('a', { labels: { app: 'web' }, ownerReferences: [] })] }),
    actions: ['refuse a/regcred: not-managed', 'create b/regcred'],
  },
  {
    name: 'labelled for another ImagePullSecret: refused',
    input: input(['a'], { secrets: [secret('a', { labels: { [OWNER_LABEL]: 'other' }, ownerReferences: [ref('ImagePullSecret', 'uid-other', 'other')] })] }),
    actions: ['refuse a/regcred: other-imagepullsecret'],
  },
  {
    name: 'our label but an owner reference to another ImagePullSecret: refused',
    input: input(['a'], { secrets: [secret('a', { ownerReferences: [ref('ImagePullSecret', 'uid-other', 'web')] })] }),
    actions: ['refuse a/regcred: other-imagepullsecret'],
  },
  {
    name: 'rendered with token material and applied by GitOps (our label, no owner reference): refused',
    input: input(['a'], { secrets: [secret('a', { ownerReferences: [] })] }),
    actions: ['refuse a/regcred: gitops-rendered'],
  },
  {
    name: 'a shell naming it at the target: filled, not created',
    input: input(['a'], { secrets: [shell('a')] }),
    actions: ['fill-shell a/regcred'],
  },
  {
    name: 'a shell outside the selection: filled too',
    input: input(['a'], { secrets: [secret('a'), shell('elsewhere', OWNER.name, { name: 'pull' })] }),
    actions: ['fill-shell elsewhere/pull'],
    current: ['a'],
  },
  {
    name: 'a filled shell with the current payload and expiry: no write',
    input: input([], { secrets: [shell('s', OWNER.name, { dataHash: CURRENT, annotations: { ...shell('s').annotations, [EXPIRES_AT_ANNOTATION]: '2026-11-22T12:00:00Z' } })] }),
    actions: [],
    current: ['s'],
  },
  {
    name: 'a shell of another ImagePullSecret at the target: refused (the other one fills it)',
    input: input(['a'], { secrets: [shell('a', 'other')] }),
    actions: ['refuse a/regcred: other-imagepullsecret'],
  },
  {
    name: 'a shell in a namespace a source does not allow: refused, not filled',
    input: input([], { secrets: [shell('intruder')], shellDenials: (namespace) => (namespace === 'intruder' ? ['source creds.hub: imps-krm.io/allowed-namespaces does not name it'] : []) }),
    actions: ['refuse intruder/regcred: source-consent'],
  },
  {
    name: 'a shell and no payload yet (nothing rendered for it): left as it is',
    input: input([], { secrets: [shell('s')], shellPayload: undefined }),
    actions: [],
  },
  {
    name: 'a failed render: nothing written, shells not filled, ours elsewhere still removed',
    input: input(['a'], { failed: true, secrets: [secret('a', { dataHash: 'old' }), shell('s'), secret('gone')] }),
    actions: ['delete gone/regcred: deselected'],
  },
  {
    name: 'ours where it no longer belongs: deselected, renamed, or no longer allowed by a source',
    input: input(['a'], {
      denied: ['denied'],
      secrets: [secret('a'), secret('left'), secret('a', { name: 'old-name' }), secret('denied')],
    }),
    actions: ['delete a/old-name: renamed', 'delete denied/regcred: not-allowed', 'delete left/regcred: deselected'],
    current: ['a'],
  },
  {
    name: "never deleted: shells, Secrets of other ImagePullSecrets, rendered Secrets, another ImagePullSecret's IMPS Secrets",
    input: input([], {
      secrets: [
        shell('s'),
        secret('other', { labels: { [OWNER_LABEL]: 'other' }, ownerReferences: [ref('ImagePullSecret', 'uid-other', 'other')] }),
        secret('rendered', { ownerReferences: [] }),
        impsSecret('imps-other', { labels: { [IMPS_UID_LABEL]: 'uid-other' }, ownerReferences: [ref('ImagePullSecret', 'uid-other', 'other', false)] }),
      ],
    }),
    actions: ['fill-shell s/regcred'],
  },
  {
    name: 'ServiceAccounts: listed where selected, our entry removed where no longer, untouched where the Secret is refused',
    input: input(['a', 'refused'], {
      serviceAccounts: ['default'],
      secrets: [secret('refused', { labels: {}, ownerReferences: [] })],
      serviceAccountFacts: [serviceAccount('a', ['hand']), serviceAccount('left', ['regcred', 'hand'], 'web/regcred'), serviceAccount('refused'), serviceAccount('unrelated', ['regcred'])],
    }),
    actions: ['create a/regcred', 'refuse refused/regcred: not-managed', 'patch-service-account a/default +regcred', 'patch-service-account left/default -regcred'],
  },
  {
    name: 'ServiceAccounts after a failed render: left as they are',
    input: input(['a'], { failed: true, serviceAccounts: ['default'], serviceAccountFacts: [serviceAccount('a'), serviceAccount('left', ['regcred'], 'web/regcred')] }),
    actions: [],
  },
];

// Issue 10: ownership that never takes what is not ours. Marks of other tools, IMPS's exact marks, and opting in.
const argoTracked = { 'argocd.argoproj.io/tracking-id': 'app:/Secret:a/regcred', 'kubectl.kubernetes.io/last-applied-configuration': '' };
const ownershipRows: Row[] = [
  {
    name: 'Argo CD synced over an IMPS Secret (our labels, IMPS owner reference, tracking id): refused',
    input: input(['a'], { secrets: [secret('a', { annotations: argoTracked, ownerReferences: [ref('ImagePullSecret', OWNER.uid, OWNER.name, false)] })] }),
    actions: ['refuse a/regcred: argocd'],
  },
  {
    name: 'the same, with adoptFrom: [ArgoCD]: patched, Argo CD annotations untouched',
    input: input(['a'], { owner: { ...OWNER, adoptFrom: ['ArgoCD'] }, secrets: [secret('a', { annotations: argoTracked, ownerReferences: [ref('ImagePullSecret', OWNER.uid, OWNER.name, false)] })] }),
    actions: ['patch a/regcred (annotations,ownerReferences)'],
  },
  {
    name: 'app.kubernetes.io/instance asked for by the spec itself is no mark of Argo CD',
    input: input(['a'], {
      secrets: [secret('a', { labels: { ...secret('a').labels, 'app.kubernetes.io/instance': 'mine' } })],
      desired: [{ manifest: { ...manifest('a'), metadata: { ...manifest('a').metadata, labels: { ...manifest('a').metadata.labels, 'app.kubernetes.io/instance': 'mine' } } }, dataHash: CURRENT }],
    }),
    actions: [],
    current: ['a'],
  },
  {
    name: 'Argo CD label tracking (app.kubernetes.io/instance, argocd.argoproj.io/instance): refused as argocd',
    input: input(['a', 'b'], {
      secrets: [secret('a', { labels: { 'app.kubernetes.io/instance': 'app' }, ownerReferences: [] }), secret('b', { labels: { 'argocd.argoproj.io/instance': 'app' }, ownerReferences: [] })],
    }),
    actions: ['refuse a/regcred: argocd', 'refuse b/regcred: argocd'],
  },
  {
    name: "a Helm release's Secret (its instance label is Helm's): refused as helm, adopted with adoptFrom: [Helm]",
    input: input(['a', 'b'], {
      owner: { ...OWNER, adoptFrom: ['Helm'] },
      secrets: [
        secret('a', { labels: { 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/instance': 'rel' }, annotations: { 'meta.helm.sh/release-name': 'rel' }, ownerReferences: [] }),
        secret('b', { labels: { 'app.kubernetes.io/managed-by': 'Helm' }, annotations: { 'argocd.argoproj.io/tracking-id': 'x' }, ownerReferences: [] }),
      ],
    }),
    actions: ['adopt a/regcred from Helm', 'refuse b/regcred: argocd'],
  },
  {
    name: "Flux's kustomize-controller and helm-controller labels: refused as flux",
    input: input(['a', 'b'], {
      secrets: [secret('a', { labels: { 'kustomize.toolkit.fluxcd.io/name': 'apps' }, ownerReferences: [] }), secret('b', { labels: { 'helm.toolkit.fluxcd.io/name': 'r' }, ownerReferences: [] })],
    }),
    actions: ['refuse a/regcred: flux', 'refuse b/regcred: flux'],
  },
  {
    name: 'owned by another kind of object (an ExternalSecret): refused whatever the spec adopts from',
    input: input(['a'], {
      owner: { ...OWNER, adoptFrom: ['ArgoCD', 'Helm', 'Flux'] },
      secrets: [secret('a', { labels: {}, ownerReferences: [ref('ExternalSecret', 'uid-es', 'creds', true)] })],
    }),
    actions: ['refuse a/regcred: other-owner'],
  },
  {
    name: 'a tracked Opaque Secret, adoption opted in: its type cannot change, refused',
    input: input(['a'], { owner: { ...OWNER, adoptFrom: ['ArgoCD'] }, secrets: [secret('a', { type: 'Opaque', labels: { 'app.kubernetes.io/instance': 'app' }, ownerReferences: [] })] }),
    actions: ['refuse a/regcred: wrong-type'],
  },
  {
    name: "IMPS's marks, exactly: a Secret with only the owner reference (no owner-uid label) is not IMPS's",
    input: input(['a'], { secrets: [impsSecret('a', { labels: {} })] }),
    actions: ['refuse a/regcred: not-managed'],
  },
  {
    name: "IMPS's marks, exactly: the owner-uid label of this ImagePullSecret but a reference to another: not ours",
    input: input(['a'], { secrets: [impsSecret('a', { ownerReferences: [ref('ImagePullSecret', 'uid-other', 'other', false)] })] }),
    actions: ['refuse a/regcred: other-imagepullsecret'],
  },
  {
    name: 'an IMPS Secret that Argo CD now tracks: refused',
    input: input(['a'], { secrets: [impsSecret('a', { annotations: { 'argocd.argoproj.io/tracking-id': 'x' } })] }),
    actions: ['refuse a/regcred: argocd'],
  },
  {
    name: 'an IMPS Secret that Argo CD now tracks, adoptFrom: [ArgoCD]: adopted',
    input: input(['a'], { owner: { ...OWNER, adoptFrom: ['ArgoCD'] }, secrets: [impsSecret('a', { annotations: { 'argocd.argoproj.io/tracking-id': 'x' } })] }),
    actions: ['adopt a/regcred from IMPS+ArgoCD'],
  },
  {
    name: 'IMPS Secrets where IMPS itself would delete them: old name, namespace left, source no longer allows it',
    input: input(['a'], { denied: ['denied'], secrets: [impsSecret('a'), impsSecret('a', { name: 'old' }), impsSecret('left'), impsSecret('denied')] }),
    actions: ['adopt a/regcred from IMPS', 'delete a/old: renamed (IMPS)', 'delete denied/regcred: not-allowed (IMPS)', 'delete left/regcred: deselected (IMPS)'],
  },
  {
    name: 'an IMPS Secret left behind that Argo CD now tracks: not deleted, and said so',
    input: input(['a'], { secrets: [impsSecret('left', { annotations: { 'argocd.argoproj.io/tracking-id': 'x' } })] }),
    actions: ['create a/regcred', 'refuse to delete left/regcred: argocd'],
  },
  {
    name: 'a failed render deletes no IMPS Secret (IMPS deletes only after a pass that wrote everything)',
    input: input(['a'], { failed: true, secrets: [impsSecret('left')] }),
    actions: [],
  },
];

// spec.target.repositoryCredentials: each credential is written like a target, at its own name, and goes when the
// render no longer has it, unless the render failed (then nothing is known) or the caller plans none.
const repositoryRows: Row[] = [
  {
    name: 'repository credential: nothing there, created after the pull Secrets',
    input: input(['a'], { repositoryCredentials: [desiredRepository()] }),
    actions: ['create a/regcred', `create argocd/${REPO_NAME}`],
  },
  {
    name: 'repository credential: ours and current, no write (and not counted as a pull Secret)',
    input: input(['a'], { secrets: [secret('a'), repositorySecret()], repositoryCredentials: [desiredRepository()] }),
    actions: [],
    current: ['a'],
  },
  {
    name: 'repository credential: a renewed token, patched',
    input: input(['a'], { secrets: [secret('a'), repositorySecret('argocd', { dataHash: 'old' })], repositoryCredentials: [desiredRepository()] }),
    actions: [`patch argocd/${REPO_NAME} (data)`],
    current: ['a'],
  },
  {
    name: 'repository credential: dropped from the spec, deleted; the pull Secret stays',
    input: input(['a'], { secrets: [secret('a'), repositorySecret()], repositoryCredentials: [] }),
    actions: [`delete argocd/${REPO_NAME}: dropped (repository-credential)`],
    current: ['a'],
  },
  {
    name: 'repository credential: its namespace no longer allowed by a source, deleted as such',
    input: input(['a'], { secrets: [secret('a'), repositorySecret()], repositoryCredentials: [], deniedRepositoryNamespaces: ['argocd'] }),
    actions: [`delete argocd/${REPO_NAME}: not-allowed (repository-credential)`],
    current: ['a'],
  },
  {
    name: 'repository credential: a failed render keeps it (nothing is known of the logins)',
    input: input(['a'], { failed: true, secrets: [secret('a'), repositorySecret()], repositoryCredentials: [] }),
    actions: [],
  },
  {
    name: 'repository credential: a caller that plans none (migrate) neither creates nor deletes one',
    input: input(['a'], { secrets: [secret('a'), repositorySecret()] }),
    actions: [],
    current: ['a'],
  },
  {
    name: "repository credential: another ImagePullSecret's at that name, refused",
    input: input([], { secrets: [repositorySecret('argocd', { labels: { [OWNER_LABEL]: 'other', ...ARGO_LABEL }, ownerReferences: [ref('ImagePullSecret', 'uid-other')] })], repositoryCredentials: [desiredRepository()] }),
    actions: [`refuse argocd/${REPO_NAME}: other-imagepullsecret`],
  },
  {
    name: 'repository credential: a pull Secret shell of this ImagePullSecret at that name, refused (not filled as a credential)',
    input: input([], { shellPayload: undefined, secrets: [shell('argocd', 'web', { name: REPO_NAME })], repositoryCredentials: [desiredRepository()] }),
    actions: [`refuse argocd/${REPO_NAME}: wrong-type`],
  },
  {
    name: 'repository credential: ours but of another type, refused (a type cannot change)',
    input: input([], { secrets: [repositorySecret('argocd', { type: 'kubernetes.io/dockerconfigjson' })], repositoryCredentials: [desiredRepository()] }),
    actions: [`refuse argocd/${REPO_NAME}: wrong-type`],
  },
  {
    name: "repository credential: Argo CD tracks a Secret at that name, refused without adoptFrom",
    input: input([], { secrets: [repositorySecret('argocd', { labels: { ...ARGO_LABEL }, ownerReferences: [], annotations: { 'argocd.argoproj.io/tracking-id': 'x' } })], repositoryCredentials: [desiredRepository()] }),
    actions: [`refuse argocd/${REPO_NAME}: argocd`],
  },
  {
    name: 'repository credential: Argo CD tracks an Opaque Secret at that name, adopted with adoptFrom',
    input: input([], {
      owner: { ...OWNER, adoptFrom: ['ArgoCD'] },
      secrets: [repositorySecret('argocd', { labels: { ...ARGO_LABEL }, ownerReferences: [], annotations: { 'argocd.argoproj.io/tracking-id': 'x' } })],
      repositoryCredentials: [desiredRepository()],
    }),
    actions: [`adopt argocd/${REPO_NAME} from ArgoCD`],
  },
];

describe('planSecrets', () => {
  it.each([...rows, ...ownershipRows, ...repositoryRows])('$name', ({ input: state, actions, current }) => {
    const plan = planSecrets(state);
    expect(summary(plan)).toEqual(actions);
    expect(plan.current.map((entry) => entry.namespace)).toEqual(current ?? []);
  });

  it('creates the rendered Secret with an owner reference to its ImagePullSecret (garbage collection)', () => {
    const [action] = planSecrets(input(['a'])).actions;
    expect(action).toMatchObject({ kind: 'create', object: { metadata: { name: 'regcred', namespace: 'a', ownerReferences: [{ ...OUR_REF, blockOwnerDeletion: false }] }, type: 'kubernetes.io/dockerconfigjson' } });
  });

  it('patches with the resourceVersion read, setting only what differs and clearing what is not ours', () => {
    const existing = secret('a', { dataHash: 'old', dataKeys: ['.dockerconfigjson', 'extra'], labels: { [OWNER_LABEL]: 'web', team: 'x' }, annotations: {} });
    const [action] = planSecrets(input(['a'], { secrets: [existing] })).actions;
    expect(action).toEqual({
      kind: 'patch',
      namespace: 'a',
      name: 'regcred',
      changed: ['data', 'labels', 'annotations'],
      patch: {
        metadata: { resourceVersion: '7', labels: { 'app.kubernetes.io/managed-by': 'imps-krm' }, annotations: { [EXPIRES_AT_ANNOTATION]: '2026-11-22T12:00:00Z' } },
        data: { '.dockerconfigjson': 'eyJhdXRocyI6e319', extra: null },
      },
    });
  });

  it('adopts with a patch that adds our labels and owner reference and keeps the others', () => {
    const [action] = planSecrets(input(['a'], { secrets: [impsSecret('a')] })).actions;
    expect(action).toMatchObject({
      kind: 'adopt',
      patch: {
        metadata: { resourceVersion: '7', labels: { 'app.kubernetes.io/managed-by': 'imps-krm', [OWNER_LABEL]: 'web' }, ownerReferences: [{ ...OUR_REF, blockOwnerDeletion: false }] },
        data: { '.dockerconfigjson': 'eyJhdXRocyI6e319' },
      },
    });
  });

  it("adopts IMPS's Secret keeping its owner-uid label, dropping its last-applied copy of the login, replacing its owner reference", () => {
    const [action] = planSecrets(input(['a'], { secrets: [impsSecret('a')] })).actions;
    expect(action).toEqual({
      kind: 'adopt',
      namespace: 'a',
      name: 'regcred',
      from: 'IMPS',
      patch: {
        metadata: {
          resourceVersion: '7',
          labels: { 'app.kubernetes.io/managed-by': 'imps-krm', [OWNER_LABEL]: 'web' },
          annotations: { [EXPIRES_AT_ANNOTATION]: '2026-11-22T12:00:00Z', 'banzaicloud.com/last-applied': null },
          ownerReferences: [{ ...OUR_REF, blockOwnerDeletion: false }],
        },
        data: { '.dockerconfigjson': 'eyJhdXRocyI6e319' },
      },
    });
  });

  it('fills a shell with data and the expiry only', () => {
    const [action] = planSecrets(input([], { secrets: [shell('s')] })).actions;
    expect(action).toEqual({
      kind: 'fill-shell',
      namespace: 's',
      name: 'regcred',
      patch: { metadata: { resourceVersion: '7', annotations: { [EXPIRES_AT_ANNOTATION]: '2026-11-22T12:00:00Z' } }, data: { '.dockerconfigjson': 'eyJhdXRocyI6e319' } },
    });
  });

  it('patches a ServiceAccount with its record, its marker and the resourceVersion read', () => {
    const plan = planSecrets(input(['a'], { serviceAccounts: ['default'], secrets: [secret('a')], serviceAccountFacts: [serviceAccount('a', ['hand'])] }));
    expect(plan.actions).toEqual([
      {
        kind: 'patch-service-account',
        namespace: 'a',
        name: 'default',
        entries: [{ owner: 'web', wanted: ['regcred'] }],
        added: ['regcred'],
        removed: [],
        patch: { metadata: { resourceVersion: '3', labels: MARK, annotations: recordOf('web/regcred') }, imagePullSecrets: [{ name: 'hand' }, { name: 'regcred' }] },
      },
    ]);
  });
});

describe('planOrphanSweep and planServiceAccountSweep (ImagePullSecrets deleted, perhaps while the controller was down)', () => {
  it('deletes only our labelled Secrets owned by ImagePullSecrets that are gone', () => {
    const plan = planOrphanSweep(
      [
        secret('gone'),
        secret('live', { ownerReferences: [ref('ImagePullSecret', 'uid-live')] }),
        shell('shell', 'web', { ownerReferences: [OUR_REF] }),
        secret('rendered', { ownerReferences: [] }),
        impsSecret('imps'),
      ],
      new Set(['uid-live']),
    );
    expect(summary({ actions: plan, current: [] })).toEqual(['delete gone/regcred: orphaned']);
  });

  it('removes the entries of every deleted ImagePullSecret from a ServiceAccount in one patch', () => {
    const actions = planServiceAccountSweep(
      [serviceAccount('a', ['hand', 'one', 'two', 'kept'], 'gone1/one,gone2/two,live/kept'), serviceAccount('b', ['kept'], 'live/kept')],
      new Set(['live']),
    );
    expect(summary({ actions, current: [] })).toEqual(['patch-service-account a/default -one -two']);
    expect(actions[0]).toMatchObject({ patch: { metadata: { annotations: recordOf('live/kept') }, imagePullSecrets: [{ name: 'hand' }, { name: 'kept' }] } });
  });
});
