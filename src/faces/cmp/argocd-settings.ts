// Settings for the Argo CD plugin. Argo CD passes an Application's `plugin.env` as ARGOCD_ENV_<NAME> and its
// `plugin.parameters` as ARGOCD_APP_PARAMETERS (JSON) plus PARAM_<NAME>[_<i>|_<KEY>]; users cannot set plain
// variables. Parameters win over env, as the more specific and the only announced way.
import type { Problem } from '../../core/problems.js';
import { isRecord } from '../../io/documents.js';
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
    if (match && refuseOperatorSetting(match[1]!, key, problems)) continue;
    const name = match ? byLooseName.get(loose(match[1]!)) : undefined;
    // Other ARGOCD_ENV_* may be meant for something else in the sidecar: not ours to reject.
    if (name && value !== undefined) raw.set(name, { name, value, field: key });
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
