import type { Explanation } from '../../generated/explanation.js';

const HEADER = ['IMAGEPULLSECRET', 'NAMESPACE', 'VERDICT', 'REASON'] as const;

/**
 * The table for people: one row per ImagePullSecret and namespace (and per namespace of its repository credentials,
 * verdict written, refused or missing), then one line per ImagePullSecret saying how
 * many namespaces are not shown. Every cell is one line (the schema refuses control characters).
 */
export function explanationTable(explanation: Explanation, askedForNamespaces: boolean): string {
  const rows: string[][] = explanation.imagePullSecrets.flatMap((imps) => [
    ...imps.namespaces.map((namespace) => [imps.name, namespace.namespace, namespace.verdict, namespace.reason]),
    // Repository credentials (extension), after the pull Secret's namespaces: their verdicts are their own words.
    ...(imps.repositoryCredentials ?? []).map((target) => [imps.name, target.namespace, target.verdict, target.reason]),
  ]);
  const widths = HEADER.slice(0, 3).map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => (column < 3 ? cell.padEnd(widths[column]!) : cell)).join('  ');
  const notes = explanation.imagePullSecrets.flatMap((imps) => {
    if (askedForNamespaces) return [];
    if (imps.namespaces.length === 0 && imps.unlisted === 0) return [`${imps.name}: the cluster has no namespace`];
    if (imps.unlisted === 0) return [];
    const count = imps.unlisted === 1 ? '1 other namespace matches' : `${imps.unlisted} other namespaces match`;
    return [`${imps.name}: ${count} no rule (explain with --namespace NAME or --all)`];
  });
  return [...(rows.length > 0 ? [line(HEADER), ...rows.map(line)] : []), ...notes].map((text) => `${text.trimEnd()}\n`).join('');
}
