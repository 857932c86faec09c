// Settings for the Argo CD plugin. Argo CD passes an Application's `plugin.env` as ARGOCD_ENV_<NAME> and its
// `plugin.parameters` as ARGOCD_APP_PARAMETERS (JSON) plus PARAM_<NAME>[_<i>|_<KEY>]; users cannot set plain
// variables. Parameters win over env, as the more specific and the only announced way.
import type { Problem } from '../../core/problems.js';
import { isRecord } from '../../core/records.js';
import { OPERATOR_SETTING_NAMES, operatorSetting, parseSettings, SETTING_NAMES, unknownSetting, type RawSetting, type SettingsResult } from '../krm/settings.js';

type Name = (typeof SETTING_NAMES)[number];

/** `PATCH_SERVICE_ACCOUNTS`, `PATCHSERVICEACCOUNTS` and `patchServiceAccounts` all name one setting. */
const byLooseName = new Map<string, Name>(SETTING_NAMES.map((name) => [loose(name), name]));
/** `kubeconfig` and `context` are recognised only to be refused: the Application is the repository's, not the operator's. */
const operatorByLooseName = new Map<string, string>(OPERATOR_SETTING_NAMES.map((name) => [loose(name), name]));
function loose(name: string): string {
  return name.replace(/_/g, '').toUpperCase();
}

function refuseOperatorSetting(looseName: string, field: string | ((name: string) => string), problems: Problem[]): boolean {
  const name = operatorByLooseName.get(loose(looseName));
  const refused = name === undefined ? undefined : operatorSetting(name, typeof field === 'string' ? field : field(name));
  if (refused) problems.push(refused);
  return refused !== undefined;
}

export function argocdSettings(env: NodeJS.ProcessEnv): SettingsResult {
  const raw = new Map<Name, RawSetting>();
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(env)) {
    const match = /^ARGOCD_ENV_(.+)$/.exec(key);
    if (!match || value === undefined) continue;
    if (refuseOperatorSetting(match[1]!, key, problems)) continue;
    const name = byLooseName.get(loose(match[1]!));
    if (name) raw.set(name, { name, value, field: key });
    // An operator's plugin.yaml may run other tools that read their own ARGOCD_ENV_*: only a near miss of one of our
    // names (ARGOCD_ENV_CLUSTR) is taken for a typo. Parameters, the announced way, are checked in full.
    else if (nearSetting(match[1]!)) problems.push(unknownSetting(match[1]!, key));
  }
  const parameters = env['ARGOCD_APP_PARAMETERS'];
  if (parameters !== undefined && parameters !== '') fromParameterJson(parameters, raw, problems);
  else fromParamVariables(env, raw, problems);
  if (problems.length > 0) return { settings: {}, problems };
  return parseSettings([...raw.values()]);
}

/** `[{"name":"cluster","string":"input"},{"name":"files","array":["a.yaml"]}]`. */
function fromParameterJson(text: string, raw: Map<Name, RawSetting>, problems: Problem[]): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    problems.push({ severity: 'error', field: 'ARGOCD_APP_PARAMETERS', message: 'is not JSON' });
    return;
  }
  if (!Array.isArray(parsed)) {
    problems.push({ severity: 'error', field: 'ARGOCD_APP_PARAMETERS', message: 'must be a JSON array' });
    return;
  }
  parsed.forEach((entry: unknown, index) => {
    const field = `parameters[${index}]`;
    if (!isRecord(entry) || typeof entry['name'] !== 'string') {
      problems.push({ severity: 'error', field, message: 'must be an object with a name' });
      return;
    }
    if (refuseOperatorSetting(entry['name'], (name) => `parameters.${name}`, problems)) return;
    const name = byLooseName.get(loose(entry['name']));
    if (!name) {
      problems.push(unknownSetting(entry['name'], `${field}.name`));
      return;
    }
    const array = entry['array'];
    if (typeof entry['string'] === 'string') raw.set(name, { name, value: entry['string'], field: `parameters.${name}` });
    else if (Array.isArray(array) && array.every((item): item is string => typeof item === 'string')) raw.set(name, { name, value: array, field: `parameters.${name}` });
    else problems.push({ severity: 'error', field: `parameters.${name}`, message: 'must be a string or an array of strings' });
  });
}

/** Older Argo CD or a hand-run plugin: PARAM_CLUSTER=input, PARAM_FILES_0=a.yaml. */
function fromParamVariables(env: NodeJS.ProcessEnv, raw: Map<Name, RawSetting>, problems: Problem[]): void {
  const lists = new Map<Name, Array<[number, string]>>();
  for (const [key, value] of Object.entries(env)) {
    const match = /^PARAM_(.+?)(?:_(\d+))?$/.exec(key);
    if (!match || value === undefined) continue;
    if (refuseOperatorSetting(match[1]!, key, problems)) continue;
    const name = byLooseName.get(loose(match[1]!));
    if (!name) {
      problems.push(unknownSetting(match[1]!, key));
      continue;
    }
    if (match[2] === undefined) raw.set(name, { name, value, field: key });
    else lists.set(name, [...(lists.get(name) ?? []), [Number(match[2]), value]]);
  }
  for (const [name, entries] of lists) {
    raw.set(name, { name, value: entries.sort(([a], [b]) => a - b).map(([, value]) => value), field: `PARAM_${name.toUpperCase()}` });
  }
}

/** Within a typo of a setting name: one edit for short names, two for long ones (case and `_` ignored). */
function nearSetting(name: string): boolean {
  const candidate = loose(name);
  return SETTING_NAMES.some((setting) => {
    const known = loose(setting);
    return editDistance(candidate, known) <= (known.length <= 8 ? 1 : 2);
  });
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), bounded by the inputs' lengths. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}
