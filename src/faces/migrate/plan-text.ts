import { crdHelmSteps, helmSteps, type MigrationReport, type SecretChange } from '../../core/migration.js';

/** The migration plan for people: one block per ImagePullSecret, one line per Secret, then the totals. */
export function formatPlan(report: MigrationReport): string {
  const lines: string[] = [];
  const row = (verb: string, change: SecretChange): string => `  ${verb.padEnd(8)} ${`${change.namespace}/${change.name}`.padEnd(40)} ${change.reason ? `${change.reason}: ` : ''}${change.detail}`;
  for (const entry of report.imagePullSecrets) {
    const helm = entry.helm ? ` (Helm release ${entry.helm.release || '?'}${entry.helm.namespace ? ` in ${entry.helm.namespace}` : ''})` : '';
    lines.push(`${entry.kind ?? 'ImagePullSecret'} ${entry.name}${helm}`);
    for (const change of entry.adopt) lines.push(row('adopt', change));
    for (const change of entry.refuse) lines.push(row('refuse', change));
    for (const change of entry.delete) lines.push(row('delete', change));
    for (const change of entry.create) lines.push(row('create', change));
    for (const change of entry.managed) lines.push(row('keep', change));
    for (const change of entry.specChanges) lines.push(`  change   ${change}`);
    if (entry.helm && !entry.helm.keep) {
      lines.push(`  helm     uninstalling release ${entry.helm.release || '?'} deletes this ImagePullSecret, and the garbage collector then deletes`);
      lines.push('           every Secret it owns. Keep it out of the release first (docs/migrating-from-imps.md):');
      for (const step of helmSteps(entry.name, entry.helm)) lines.push(`             ${step}`);
    } else if (entry.helm) {
      lines.push('  helm     carries helm.sh/resource-policy: keep; check it is in the stored release (helm get manifest), not only on the live object');
    }
    if (entry.adopt.length + entry.refuse.length + entry.delete.length + entry.create.length + entry.managed.length + entry.specChanges.length === 0) {
      lines.push('  (selects no namespace)');
    }
  }
  for (const orphan of report.orphans) lines.push(`left     ${orphan.namespace}/${orphan.name}: ${orphan.detail}`);
  const releases = new Map<string, NonNullable<NonNullable<MigrationReport['crds']>[number]['helm']>>();
  const crdsOf = new Map<string, string[]>();
  for (const crd of report.crds ?? []) {
    if (!crd.helm) continue;
    lines.push(`CustomResourceDefinition ${crd.name} (Helm release ${crd.helm.release || '?'}${crd.helm.namespace ? ` in ${crd.helm.namespace}` : ''})`);
    if (crd.helm.keep) {
      lines.push('  helm     carries helm.sh/resource-policy: keep; check it is in the stored release (helm get manifest), not only on the live object');
      continue;
    }
    lines.push(`  helm     uninstalling release ${crd.helm.release || '?'} deletes this CRD, every AcrPullBinding of it, and their Secrets`);
    const key = `${crd.helm.release}\0${crd.helm.namespace ?? ''}`;
    releases.set(key, crd.helm);
    crdsOf.set(key, [...(crdsOf.get(key) ?? []), crd.name]);
  }
  for (const [key, helm] of releases) {
    lines.push('           Keep the CRDs out of the release first (docs/migrating-from-msi-acrpull.md):');
    for (const step of crdHelmSteps(crdsOf.get(key) ?? [], helm)) lines.push(`             ${step}`);
  }
  const { summary } = report;
  lines.push(
    `Summary: ${summary.adopt} to adopt, ${summary.refuse} refused, ${summary.delete} to delete, ${summary.create} to create; ` +
      `${summary.specChanges} spec or source change(s); ${summary.helmReleases} ImagePullSecret(s) or CRD(s) in a Helm release without a keep policy. ` +
      (report.ready ? 'Ready to switch.' : 'Not ready to switch.'),
  );
  return `${lines.join('\n')}\n`;
}
