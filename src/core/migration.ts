import { ALLOWED_IMAGE_PULL_SECRETS_ANNOTATION, ALLOWED_NAMESPACES_ANNOTATION } from './contract.js';
import type { SecretAction } from './secret-plan.js';
import type { StringMap } from './selectors.js';

// `imps-krm migrate`: what switching from the IMPS controller to imps-krm's would do to a cluster, from the same
// plan the controller makes (core/secret-plan.ts), plus what the ImagePullSecrets and their sources need first.
// Pure: the command reads the cluster, this turns what it read into a report.

/** The Helm release an ImagePullSecret belongs to (IMPS's chart renders one with `defaultConfig.enabled`). */
export interface HelmMembership {
  readonly release: string;
  /** The release's namespace, when Helm recorded it (meta.helm.sh/release-namespace). */
  readonly namespace: string | undefined;
  /** The live object carries helm.sh/resource-policy: keep (what a keep-policy upgrade leaves). */
  readonly keep: boolean;
}

/**
 * Helm 3 marks what it owns with the annotations meta.helm.sh/release-name and -namespace and the label
 * app.kubernetes.io/managed-by: Helm (its chart conventions: app.kubernetes.io/instance is the release name).
 */
export function helmMembership(metadata: { readonly labels?: StringMap | undefined; readonly annotations?: StringMap | undefined }): HelmMembership | undefined {
  const labels = metadata.labels ?? {};
  const annotations = metadata.annotations ?? {};
  const release = annotations['meta.helm.sh/release-name'] ?? (labels['app.kubernetes.io/managed-by'] === 'Helm' ? labels['app.kubernetes.io/instance'] ?? '' : undefined);
  if (release === undefined) return undefined;
  return { release, namespace: annotations['meta.helm.sh/release-namespace'], keep: annotations['helm.sh/resource-policy'] === 'keep' };
}

/** Why a source Secret would be used by nothing once `--require-source-consent` is on: its missing annotations. */
export function consentGaps(annotations: StringMap): string[] {
  return [ALLOWED_IMAGE_PULL_SECRETS_ANNOTATION, ALLOWED_NAMESPACES_ANNOTATION].filter((key) => annotations[key] === undefined);
}

export interface SecretChange {
  readonly namespace: string;
  readonly name: string;
  /** Why, in words (a refusal's reason code is in `reason`). */
  readonly detail: string;
  readonly reason?: string | undefined;
}

/** An ImagePullSecret or AcrPullBinding being migrated, and what must change in it first. */
export interface MigrationSubject {
  /** Absent: an ImagePullSecret. An AcrPullBinding's `name` is `<namespace>/<name>`. */
  readonly kind?: 'AcrPullBinding' | undefined;
  readonly apiVersion?: string | undefined;
  readonly name: string;
  readonly helm?: HelmMembership | undefined;
  /** What must change before the switch: an invalid spec, a source that cannot be read, a consent gap. */
  readonly specChanges: readonly string[];
}

export interface ImagePullSecretMigration extends MigrationSubject {
  /** IMPS's Secrets (or, opted in, another tool's) taken over in place. */
  readonly adopt: readonly SecretChange[];
  /** Secrets in the way that the controller will not write: that namespace gets no Secret. */
  readonly refuse: readonly SecretChange[];
  /** Secrets deleted: IMPS's where IMPS itself would have deleted them, and imps-krm's own no longer wanted. */
  readonly delete: readonly SecretChange[];
  /** Selected namespaces without a Secret yet: created. */
  readonly create: readonly SecretChange[];
  /** Secrets already written by imps-krm (and shells it fills). */
  readonly managed: readonly SecretChange[];
}

/** One of msi-acrpull's CRDs: uninstalling the Helm release that holds it deletes it, and every binding with it. */
export interface CrdMigration {
  readonly name: string;
  readonly helm?: HelmMembership | undefined;
}

export interface MigrationReport {
  /** ImagePullSecrets, then AcrPullBindings (kind set). */
  readonly imagePullSecrets: readonly ImagePullSecretMigration[];
  /** msi-acrpull's CRDs found in the cluster. */
  readonly crds?: readonly CrdMigration[] | undefined;
  /** IMPS Secrets whose ImagePullSecret is gone: the garbage collector's, as with IMPS. */
  readonly orphans: readonly SecretChange[];
  readonly summary: {
    readonly adopt: number;
    readonly refuse: number;
    readonly delete: number;
    readonly create: number;
    readonly specChanges: number;
    readonly helmReleases: number;
  };
  /** Nothing to fix before the switch: no refusal, no spec change, no ImagePullSecret left in a Helm release. */
  readonly ready: boolean;
}

export interface PlannedImagePullSecret extends MigrationSubject {
  readonly actions: readonly SecretAction[];
  readonly current: readonly { readonly namespace: string; readonly name: string }[];
}

const DELETED: Record<string, string> = {
  deselected: 'namespace no longer selected',
  renamed: 'not the target name any more',
  'not-allowed': 'a source does not allow the namespace',
  orphaned: 'its ImagePullSecret is gone',
};

/** Sorts each plan's actions into what a person deciding on the switch wants to see. */
export function migrationReport(planned: readonly PlannedImagePullSecret[], orphans: readonly SecretChange[], crds: readonly CrdMigration[] = []): MigrationReport {
  const imagePullSecrets = planned.map((entry): ImagePullSecretMigration => {
    const adopt: SecretChange[] = [];
    const refuse: SecretChange[] = [];
    const remove: SecretChange[] = [];
    const create: SecretChange[] = [];
    const managed: SecretChange[] = entry.current.map((at) => ({ ...at, detail: 'already imps-krm\'s' }));
    for (const action of entry.actions) {
      const at = { namespace: action.namespace, name: action.name };
      switch (action.kind) {
        case 'adopt':
          adopt.push({ ...at, detail: `written by ${action.from}` });
          break;
        case 'refuse':
          refuse.push({ ...at, reason: action.reason, detail: action.operation === 'delete' ? `not deleted: ${action.message}` : action.message });
          break;
        case 'delete':
          remove.push({ ...at, detail: `${action.imps ? 'IMPS would delete it: ' : ''}${DELETED[action.cause] ?? action.cause}` });
          break;
        case 'create':
          create.push({ ...at, detail: 'no Secret there yet' });
          break;
        case 'patch':
          managed.push({ ...at, detail: `already imps-krm's (out of date: ${action.changed.join(', ')})` });
          break;
        case 'fill-shell':
          managed.push({ ...at, detail: 'a shell the controller fills' });
          break;
        case 'patch-service-account':
          break;
      }
    }
    return {
      ...(entry.kind ? { kind: entry.kind, apiVersion: entry.apiVersion } : {}),
      name: entry.name,
      ...(entry.helm ? { helm: entry.helm } : {}),
      specChanges: entry.specChanges,
      adopt,
      refuse,
      delete: remove,
      create,
      managed,
    };
  });
  const count = (pick: (entry: ImagePullSecretMigration) => readonly unknown[]): number => imagePullSecrets.reduce((sum, entry) => sum + pick(entry).length, 0);
  const summary = {
    adopt: count((entry) => entry.adopt),
    refuse: count((entry) => entry.refuse),
    delete: count((entry) => entry.delete),
    create: count((entry) => entry.create),
    specChanges: count((entry) => entry.specChanges),
    helmReleases: imagePullSecrets.filter((entry) => entry.helm && !entry.helm.keep).length + crds.filter((crd) => crd.helm && !crd.helm.keep).length,
  };
  return {
    imagePullSecrets,
    ...(crds.length > 0 ? { crds } : {}),
    orphans,
    summary,
    ready: summary.refuse === 0 && summary.specChanges === 0 && summary.helmReleases === 0,
  };
}

/**
 * The steps that keep an ImagePullSecret when its Helm release is uninstalled (research: banzaicloud/imps chart
 * 0.3.13 `templates/default_imps_cr.yaml`; helm/helm `pkg/action/resource_policy.go` reads the keep policy from the
 * stored release manifest, so annotating the live object is not enough). Uninstalling without them deletes the
 * ImagePullSecret, and the garbage collector then deletes every Secret that names it as owner.
 */
export function helmSteps(name: string, helm: HelmMembership): string[] {
  const release = helm.release || '<release>';
  const ns = helm.namespace ? ` -n ${helm.namespace}` : ' -n <release namespace>';
  return [
    `helm get values ${release}${ns} -o yaml > imps-values.yaml`,
    `helm upgrade ${release} <the IMPS chart, same version>${ns} -f imps-values.yaml --post-renderer ./keep-imagepullsecrets.sh   # adds helm.sh/resource-policy: keep to kind ImagePullSecret`,
    `helm get manifest ${release}${ns} | grep -B3 -A3 'helm.sh/resource-policy'   # the keep policy is in the stored release`,
    `helm uninstall ${release}${ns}   # reports ImagePullSecret ${name} as kept; deletes the IMPS controller`,
    `kubectl annotate imagepullsecret ${name} meta.helm.sh/release-name- meta.helm.sh/release-namespace- helm.sh/resource-policy-`,
    `kubectl label imagepullsecret ${name} app.kubernetes.io/managed-by- app.kubernetes.io/instance-`,
  ];
}

/**
 * The steps that keep msi-acrpull's CRDs when its Helm release is uninstalled. Its chart ships them as templates
 * (Azure/msi-acrpull config/helm/templates/*_acrpullbindings.yaml), so `helm uninstall` deletes them, and deleting a
 * CRD deletes every AcrPullBinding, and with each its Secret. The keep policy must be in the stored release manifest
 * (helm/helm pkg/action/resource_policy.go), which an upgrade through the post-renderer writes.
 */
export function crdHelmSteps(crds: readonly string[], helm: HelmMembership): string[] {
  const release = helm.release || '<release>';
  const ns = helm.namespace ? ` -n ${helm.namespace}` : ' -n <release namespace>';
  return [
    `helm get values ${release}${ns} -o yaml > acrpull-values.yaml`,
    `helm upgrade ${release} <the acrpull chart, same version>${ns} -f acrpull-values.yaml --post-renderer ./keep-crds.sh   # adds helm.sh/resource-policy: keep to its CustomResourceDefinitions`,
    `helm get manifest ${release}${ns} | grep -B3 -A3 'helm.sh/resource-policy'   # the keep policy is in the stored release`,
    `helm uninstall ${release}${ns}   # after imps-krm runs: reports the CRDs as kept; deletes msi-acrpull's controller`,
    `kubectl annotate crd ${crds.join(' ')} meta.helm.sh/release-name- meta.helm.sh/release-namespace- helm.sh/resource-policy-`,
    `kubectl label crd ${crds.join(' ')} app.kubernetes.io/managed-by-`,
  ];
}
