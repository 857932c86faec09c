// Settings arrive as strings (ConfigMap data, `imps-krm.io/<setting>` annotations, Argo CD env and parameters):
// turn them into `RenderSettings` and validate with the generated validator, so every face accepts exactly the
// schema and reports mistakes with the place the user wrote them.
import type { Problem, ResourceRef } from '../../core/problems.js';
import type { RenderSettings } from '../../generated/function-config.js';
import { validateFunctionConfig } from '../../generated/validators.js';
import { describeAjvErrors } from '../../validation/ajv-errors.js';
import { keySegment } from '../../validation/field-path.js';

export type Settings = RenderSettings;
type Key = keyof Settings;

/** Every setting a repository may give, in schema order; used to recognise settings and to list them in messages. */
export const SETTING_NAMES: readonly Key[] = ['cluster', 'output', 'patchServiceAccounts', 'patchWorkloads', 'files'];
const BOOLEANS: ReadonlySet<Key> = new Set<Key>(['patchServiceAccounts', 'patchWorkloads']);
const LISTS: ReadonlySet<Key> = new Set<Key>(['files']);

export const isSettingName = (name: string): name is Key => (SETTING_NAMES as readonly string[]).includes(name);

/**
 * Settings only the operator gives (issue 8, docs/security.md): a kubeconfig runs its `exec` plugins and reaches any
 * host, so a repository that could name one would run code in the renderer. They come from the process: KUBECONFIG
 * and IMPS_KRM_CONTEXT, and `--kubeconfig`/`--context` where the operator writes the command (render, cmp generate).
 */
const OPERATOR_SETTINGS: Readonly<Record<string, string>> = {
  kubeconfig: 'the KUBECONFIG environment variable (or --kubeconfig where the operator writes the command)',
  context: 'the IMPS_KRM_CONTEXT environment variable (or --context where the operator writes the command)',
};
export const OPERATOR_SETTING_NAMES: readonly string[] = Object.keys(OPERATOR_SETTINGS);

/** A repository gave `kubeconfig` or `context`: refused, saying where the operator sets it; else undefined. */
export function operatorSetting(name: string, field: string, resource?: ResourceRef): Problem | undefined {
  if (!Object.hasOwn(OPERATOR_SETTINGS, name)) return undefined;
  const where = OPERATOR_SETTINGS[name] ?? '';
  return { severity: 'error', resource, field, message: `${name} is an operator setting and is not read from the repository: the operator sets it with ${where}` };
}

/** One raw setting and where it was written, for messages (`data.cluster`, `metadata.annotations.imps-krm.io/cluster`). */
export interface RawSetting {
  readonly name: Key;
  readonly value: string | readonly string[];
  readonly field: string;
}

export interface SettingsResult {
  readonly settings: Settings;
  readonly problems: Problem[];
  /** Where each setting was written (`ARGOCD_ENV_FILES`, `data.files`), for messages about its value later. */
  readonly fields?: Readonly<Partial<Record<Key, string>>>;
}

/**
 * Typed settings from raw strings. Booleans accept `true`/`false` only (anything else is left as a string so the
 * validator names the field); lists are comma-separated unless already a list.
 */
export function parseSettings(raw: readonly RawSetting[], resource?: ResourceRef): SettingsResult {
  const candidate: Record<string, unknown> = {};
  const fields = new Map<string, string>();
  for (const { name, value, field } of raw) {
    candidate[name] = typed(name, value);
    fields.set(name, field);
  }
  if (validateFunctionConfig(candidate)) return { settings: candidate, problems: [], fields: Object.fromEntries(fields) };
  const problems = describeAjvErrors(validateFunctionConfig.errors).map((error): Problem => {
    // `files[0]` -> `data.files[0]`: the top-level name is replaced by where the user wrote it.
    const [, top = '', rest = ''] = /^([A-Za-z]*)(.*)$/.exec(error.path) ?? [];
    const field = fields.get(top);
    return { severity: 'error', resource, field: field === undefined ? error.path : `${field}${rest}`, message: error.message };
  });
  return { settings: {}, problems };
}

function typed(name: Key, value: string | readonly string[]): unknown {
  if (typeof value !== 'string') return [...value];
  if (BOOLEANS.has(name) && (value === 'true' || value === 'false')) return value === 'true';
  if (LISTS.has(name)) return value.split(',').map((part) => part.trim()).filter(Boolean);
  return value;
}

/** `unknown setting "clustr" (known: cluster, ...)`: typos must not be silently ignored. */
export function unknownSetting(name: string, field: string, resource?: ResourceRef): Problem {
  // The name is the input's: quoted when short and printable, else said by its length (keySegment's rule).
  const shown = keySegment(name).startsWith('[<') ? `(a name of ${name.length} characters)` : JSON.stringify(name);
  return { severity: 'error', resource, field, message: `unknown setting ${shown} (known: ${SETTING_NAMES.join(', ')})` };
}
