import { CONTRACT_KEYS, DOMAIN } from '../../core/contract.js';
import { dns1123LabelErrors, dns1123SubdomainErrors } from '../../core/names.js';
import { keySegment } from '../../validation/field-path.js';
import type { Problem, ResourceRef } from '../../core/problems.js';
import { isAcrPullBindingLike } from '../../app/select-bindings.js';
import { isImagePullSecretLike } from '../../app/select-inputs.js';
import { isRecord, stringMap } from '../../core/records.js';
import { annotationsOf, metadataOf } from './items.js';
import { isSettingName, operatorSetting, parseSettings, unknownSetting, type RawSetting, type Settings, type SettingsResult } from './settings.js';

export interface FunctionConfig {
  /** The ImagePullSecret (or AcrPullBinding) given as functionConfig (kustomize generator, kpt --fn-config, legacy plugin config). */
  readonly imps?: Record<string, unknown>;
  readonly settings: Settings;
  readonly problems: Problem[];
  /** Where each setting was written, for messages about its value. */
  readonly fields?: SettingsResult['fields'];
}

const ANNOTATION_PREFIX = `${DOMAIN}/`;

/**
 * The functionConfig is one of:
 * - an ImagePullSecret or an AcrPullBinding: the spec to render, settings in `imps-krm.io/<setting>` annotations;
 * - a ConfigMap (kpt `-- key=value`, `configMap:` in a Kptfile): settings in `data`, the ImagePullSecrets among the items;
 * - absent: default settings, the ImagePullSecrets among the items.
 */
export function readFunctionConfig(value: unknown): FunctionConfig {
  if (value === undefined || value === null) return { settings: {}, problems: [] };
  if (!isRecord(value)) return { settings: {}, problems: [{ severity: 'error', field: 'functionConfig', message: 'must be an object' }] };
  const resource = refOf(value);
  if (isImagePullSecretLike(value) || isAcrPullBindingLike(value)) {
    const raw: RawSetting[] = [];
    const problems: Problem[] = [];
    for (const [key, text] of Object.entries(annotationsOf(value))) {
      if (!key.startsWith(ANNOTATION_PREFIX)) continue;
      const name = key.slice(ANNOTATION_PREFIX.length);
      const field = fieldOf('metadata.annotations', key);
      const refused = operatorSetting(name, field, resource);
      // A typo must not fall back to a default (`clustr` would leave `cluster` on auto, reading whatever cluster the
      // kubeconfig points at). The contract's own keys are not settings, and not typos either.
      if (refused) problems.push(refused);
      else if (isSettingName(name)) raw.push({ name, value: text, field });
      else if (!CONTRACT_KEYS.has(key)) problems.push(unknownSetting(name, field, resource));
    }
    const parsed = parseSettings(raw, resource);
    return { imps: value, settings: parsed.settings, problems: [...problems, ...parsed.problems], fields: parsed.fields };
  }
  if (value['apiVersion'] === 'v1' && value['kind'] === 'ConfigMap') {
    const raw: RawSetting[] = [];
    const problems: Problem[] = [];
    const data = isRecord(value['data']) ? value['data'] : {};
    for (const [key, text] of Object.entries(data)) {
      const field = fieldOf('data', key);
      const refused = operatorSetting(key, field, resource);
      if (refused) problems.push(refused);
      else if (!isSettingName(key)) problems.push(unknownSetting(key, field, resource));
      else if (typeof text !== 'string') problems.push({ severity: 'error', resource, field, message: 'must be a string' });
      else raw.push({ name: key, value: text, field });
    }
    const parsed = parseSettings(raw, resource);
    return { settings: parsed.settings, problems: [...problems, ...parsed.problems], fields: parsed.fields };
  }
  return {
    settings: {},
    problems: [
      {
        severity: 'error',
        resource,
        message: 'functionConfig must be an ImagePullSecret (images.banzaicloud.io/v1alpha1), an AcrPullBinding or a ConfigMap of settings',
      },
    ],
  };
}

/**
 * `data.cluster`, `metadata.annotations.imps-krm.io/files`: a key as people write it when it is short printable ASCII;
 * else said by keySegment's rule (its length), never as it is: a key holding ESC [2K reached stderr (found by
 * test/fuzz/resource-list.test.ts).
 */
function fieldOf(base: string, key: string): string {
  return /^[\x21-\x7e]{1,128}$/.test(key) ? `${base}.${key}` : `${base}${keySegment(key)}`;
}

/**
 * How a problem names the functionConfig: its kind, name and namespace only when they are what Kubernetes accepts
 * (an identifier, a DNS-1123 subdomain, a DNS-1123 label). Anything else is input that may be anything, a pasted
 * secret included: said by a placeholder, never repeated (an invalid name was: found by test/fuzz/apps.test.ts).
 */
function refOf(value: Record<string, unknown>): ResourceRef {
  const metadata = stringMap(metadataOf(value));
  const apiVersion = typeof value['apiVersion'] === 'string' && /^[a-z0-9.-]{0,253}\/?[a-z0-9]{1,63}$/.test(value['apiVersion']) ? value['apiVersion'] : '';
  const kind = typeof value['kind'] === 'string' && /^[A-Za-z][A-Za-z0-9]{0,62}$/.test(value['kind']) ? value['kind'] : '<invalid kind>';
  const name = metadata['name'] === undefined ? '' : dns1123SubdomainErrors(metadata['name']).length > 0 ? '<invalid name>' : metadata['name'];
  const namespace = metadata['namespace'] && dns1123LabelErrors(metadata['namespace']).length === 0 ? metadata['namespace'] : undefined;
  return { apiVersion, kind, name, ...(namespace ? { namespace } : {}) };
}
