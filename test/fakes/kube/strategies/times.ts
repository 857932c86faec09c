// metav1.Time and metav1.MicroTime as the JSON decoder parses them
// (staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/time.go: time.RFC3339; micro_time.go: RFC3339Micro,
// "2006-01-02T15:04:05.000000Z07:00", exactly six fractional digits). null and "" mean unset.

import type { ResourceDef } from '../registry.js';
import { cannotDecode } from './decode.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const RFC3339_MICRO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

function check(def: Pick<ResourceDef, 'kind' | 'version'>, value: unknown, pattern: RegExp, layout: string): void {
  if (value === undefined || value === null || value === '') return;
  if (typeof value !== 'string' || !pattern.test(value) || Number.isNaN(Date.parse(value))) {
    throw cannotDecode(def, `parsing time ${JSON.stringify(String(value))} as ${JSON.stringify(layout)}: cannot parse ${JSON.stringify(String(value))} as ${JSON.stringify(layout)}`);
  }
}

export const checkTime = (def: Pick<ResourceDef, 'kind' | 'version'>, value: unknown): void => check(def, value, RFC3339, '2006-01-02T15:04:05Z07:00');
export const checkMicroTime = (def: Pick<ResourceDef, 'kind' | 'version'>, value: unknown): void => check(def, value, RFC3339_MICRO, '2006-01-02T15:04:05.000000Z07:00');
