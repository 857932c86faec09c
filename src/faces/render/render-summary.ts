import { inputName, type ImpsOutcome } from '../../core/outcome.js';

/** Enough names to recognise a selection at a glance; a cluster of 3,000 namespaces still gets one short line. */
const MAX_NAMESPACES = 10;
const MAX_EXCLUDED = 5;

/**
 * The one stderr line `render` prints per ImagePullSecret (or AcrPullBinding) on success, e.g.
 * `rendered 5 Secrets for ImagePullSecret imps: namespaces a, b, c, d, e (kube-mesh excluded)`.
 * Names only (namespaces and the ImagePullSecret, both valid Kubernetes names), never a credential.
 */
export function renderSummary(outcome: ImpsOutcome, shells: boolean): string {
  const count = outcome.namespaces.length;
  const noun = shells ? (count === 1 ? 'shell' : 'shells') : count === 1 ? 'Secret' : 'Secrets';
  const where = count === 0 ? 'no namespace selected' : `${count === 1 ? 'namespace' : 'namespaces'} ${capped(outcome.namespaces, MAX_NAMESPACES)}`;
  const excluded = outcome.excludedNamespaces.length > 0 ? ` (${capped(outcome.excludedNamespaces, MAX_EXCLUDED)} excluded)` : '';
  return `rendered ${count} ${noun} for ${inputName(outcome.input)}: ${where}${excluded}${repositorySummary(outcome, shells)}`;
}

/** `; 4 repository credentials in argocd, kargo-demo` when the extension asks for some; shells leave them to the controller. */
export function repositorySummary(outcome: ImpsOutcome, shells: boolean): string {
  if (!outcome.input.imps.spec.target.repositoryCredentials) return '';
  if (shells) return '; repository credentials left to the controller';
  const count = outcome.repositoryCredentials.length;
  const namespaces = [...new Set(outcome.repositoryCredentials.map((secret) => secret.metadata.namespace))];
  return `; ${count} repository ${count === 1 ? 'credential' : 'credentials'}${namespaces.length > 0 ? ` in ${capped(namespaces, MAX_NAMESPACES)}` : ''}`;
}

function capped(names: readonly string[], max: number): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}
