// Events. core/v1: pkg/apis/core/validation/events.go legacyValidateEvent (the only check on that API version:
// an Event about a cluster-scoped object must live in `default`, else `involvedObject.namespace: ... does not match
// event.namespace`) and pkg/registry/core/event/strategy.go. events.k8s.io/v1: ValidateEventCreate's strict path
// (ObjectMeta, eventTime, type, reporting fields). Times decode as metav1.Time (RFC 3339) and metav1.MicroTime.

import { type FieldError, invalid, required } from '../field-errors.js';
import { isDNS1123Subdomain, isQualifiedName, nameIsDNSSubdomain, validatePathSegmentName } from '../k8s-names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../object-meta.js';
import type { KubeObject } from '../types.js';
import { isRecord } from '../wire.js';
import { cannotDecode, checkObjectMeta, dropUnknownFields } from './decode.js';
import type { KindStrategy } from './strategy.js';
import { checkMicroTime, checkTime } from './times.js';

const CORE = { kind: 'Event', version: 'v1' };
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function namespaceRule(eventNamespace: string, involvedNamespace: string, hasEventTime: boolean, path: string): FieldError[] {
  if (!hasEventTime) {
    // Old-style events: a cluster-scoped subject only in "" or "default" (compatibility with old clients).
    if (involvedNamespace === '' ? eventNamespace !== '' && eventNamespace !== 'default' : eventNamespace !== involvedNamespace) {
      return [invalid(path, involvedNamespace, 'does not match event.namespace')];
    }
    return [];
  }
  if (involvedNamespace === '' && eventNamespace !== 'default' && eventNamespace !== 'kube-system') return [invalid(path, involvedNamespace, 'does not match event.namespace')];
  return [];
}

function legacyValidateEvent(ev: KubeObject): FieldError[] {
  const involved = isRecord(ev.involvedObject) ? ev.involvedObject : {};
  const namespace = str(ev.metadata.namespace);
  const errs = namespaceRule(namespace, str(involved.namespace), Boolean(ev.eventTime), 'involvedObject.namespace');
  for (const msg of isDNS1123Subdomain(namespace)) errs.push(invalid('namespace', namespace, msg));
  return errs;
}

export const coreEventStrategy: KindStrategy = {
  // The v1 API validates only legacyValidateEvent; the generic store still requires a path-segment name.
  nameFn: validatePathSegmentName,
  coreGroup: true,
  fields: ['involvedObject', 'reason', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'type', 'eventTime', 'series', 'action', 'related', 'reportingComponent', 'reportingInstance'],
  allowUnconditionalUpdate: true,
  tracksGeneration: false,
  decode(obj) {
    checkObjectMeta(CORE, obj);
    dropUnknownFields(obj, this.fields);
    if (obj.involvedObject !== undefined && !isRecord(obj.involvedObject)) throw cannotDecode(CORE, 'json: cannot unmarshal non-object into Go struct field Event.involvedObject of type v1.ObjectReference');
    checkTime(CORE, obj.firstTimestamp);
    checkTime(CORE, obj.lastTimestamp);
    checkMicroTime(CORE, obj.eventTime);
  },
  validateCreate: legacyValidateEvent,
  validateUpdate: legacyValidateEvent,
};

const EVENTS = { kind: 'Event', version: 'v1' };

function validateEventsV1(ev: KubeObject): FieldError[] {
  const errs = validateObjectMeta(ev.metadata, true, nameIsDNSSubdomain, false);
  const regarding = isRecord(ev.regarding) ? ev.regarding : {};
  errs.push(...namespaceRule(str(ev.metadata.namespace), str(regarding.namespace), Boolean(ev.eventTime), 'regarding.namespace'));
  if (!ev.eventTime) errs.push(required('eventTime'));
  if (ev.type !== 'Normal' && ev.type !== 'Warning') errs.push(invalid('type', '', `has invalid value: ${str(ev.type)}`));
  const controller = str(ev.reportingController);
  if (controller === '') errs.push(required('reportingController'));
  for (const msg of isQualifiedName(controller)) errs.push(invalid('reportingController', controller, msg));
  const limited = (field: string, max: number, requiredToo: boolean): void => {
    const v = str(ev[field]);
    if (requiredToo && v === '') errs.push(required(field));
    if (v.length > max) errs.push(invalid(field, '', `can have at most ${max} characters`));
  };
  limited('reportingInstance', 128, true);
  limited('action', 128, true);
  limited('reason', 128, true);
  limited('note', 1024, false);
  return errs;
}

export const eventsV1Strategy: KindStrategy = {
  nameFn: nameIsDNSSubdomain,
  coreGroup: false,
  fields: ['eventTime', 'series', 'reportingController', 'reportingInstance', 'action', 'reason', 'regarding', 'related', 'note', 'type', 'deprecatedSource', 'deprecatedFirstTimestamp', 'deprecatedLastTimestamp', 'deprecatedCount'],
  allowUnconditionalUpdate: true,
  tracksGeneration: false,
  decode(obj) {
    checkObjectMeta(EVENTS, obj);
    dropUnknownFields(obj, this.fields);
    checkMicroTime(EVENTS, obj.eventTime);
  },
  validateCreate: validateEventsV1,
  validateUpdate: (next, prev) => [...validateObjectMetaUpdate(next.metadata, prev.metadata, false), ...validateEventsV1(next)],
};
