// Settings as a repository writes them, for the faces that read them: ConfigMap data and `imps-krm.io/<setting>`
// annotations (fn, the legacy plugin), Argo CD plugin parameters (ARGOCD_APP_PARAMETERS JSON, PARAM_*) and
// ARGOCD_ENV_*. Names are the real settings, the operator-only ones (refused), near misses and noise; values are
// valid, invalid, paths that leave the input root, and canaries (a value is input text: never printed).
import fc from 'fast-check';
import { CANARY_MARK } from './schema-arbitrary.js';

export const SETTING_NAMES = ['cluster', 'output', 'patchServiceAccounts', 'patchWorkloads', 'files'] as const;
const NAMES = [...SETTING_NAMES, 'kubeconfig', 'context', 'clustr', 'CLUSTER', 'PATCH_WORKLOADS', 'patch_service_accounts', 'x', '', 'files_0', '__proto__', 'constructor'];

export const settingName = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...NAMES) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });

const FILES = ['extra.yaml', 'sub/extra.yaml', './extra.yaml', '../outside.yaml', '../app/extra.yaml', '/etc/passwd', '..', '', 'link-out.yaml', 'fifo.yaml', 'dir.yaml', 'missing.yaml', 'extra.yaml\u0000x', 'a,b'];
export const settingValue = fc.oneof(
  fc.constantFrom('input', 'live', 'auto', 'secrets', 'shells', 'true', 'false', 'True', '1', ''),
  fc.array(fc.constantFrom(...FILES), { maxLength: 3 }).map((files) => files.join(',')),
  fc.string({ maxLength: 20 }).map((text) => `${text}${CANARY_MARK}`),
);

/** Argo CD's parameter JSON: mostly its shape (`[{name, string|array|map}]`), sometimes any JSON. */
export const parameterJson: fc.Arbitrary<string> = fc.oneof(
  fc
    .array(
      fc.record(
        {
          name: settingName,
          string: settingValue,
          array: fc.array(fc.oneof(fc.constantFrom(...FILES), settingValue), { maxLength: 3 }),
          map: fc.dictionary(fc.string({ maxLength: 5 }), settingValue, { maxKeys: 2 }),
        },
        { requiredKeys: ['name'] },
      ),
      { maxLength: 4 },
    )
    .map((list) => JSON.stringify(list)),
  fc.json(),
  // A truncated or corrupted parameter list: Argo CD would not send it, but a hand-run plugin may get anything.
  fc.tuple(fc.json(), fc.nat()).map(([json, cut]) => json.slice(0, cut % (json.length + 1))),
  fc.constant(`[{"name": "files", "array": [${CANARY_MARK}]`),
);

/** Parameters as Argo CD sends them for a correct Application: real names, values they take. */
export const validParameterJson: fc.Arbitrary<string> = fc
  .record(
    {
      cluster: fc.constantFrom('input', 'auto'),
      output: fc.constantFrom('secrets', 'shells'),
      patchServiceAccounts: fc.constantFrom('true', 'false'),
      patchWorkloads: fc.constantFrom('true', 'false'),
      files: fc.array(fc.constantFrom('extra.yaml', 'sub/extra.yaml', './extra.yaml', '../app/extra.yaml'), { maxLength: 2 }),
    },
    { requiredKeys: ['cluster'] },
  )
  .map((settings) => JSON.stringify(Object.entries(settings).map(([name, value]) => (Array.isArray(value) ? { name, array: value } : { name, string: value }))));

/** PARAM_<NAME>[_<i>] and ARGOCD_ENV_<NAME> variables. */
export const paramVariables = fc.dictionary(
  fc.tuple(fc.constantFrom('PARAM_', 'ARGOCD_ENV_'), settingName, fc.option(fc.nat({ max: 12 }), { nil: undefined })).map(
    ([prefix, name, index]) => `${prefix}${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}${index === undefined ? '' : `_${index}`}`,
  ),
  settingValue,
  { maxKeys: 4 },
);

/** A ConfigMap's `data` (kpt `-- key=value`): any of the settings with any value, a value of another type now and then. */
export const configMapData = fc.dictionary(settingName, fc.oneof({ weight: 5, arbitrary: settingValue }, { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant([])) }), {
  maxKeys: 4,
});
