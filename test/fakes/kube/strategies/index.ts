// The strategy of each resource type the fake serves.

import type { ResourceDef } from '../registry.js';
import { configMapStrategy } from './config-map.js';
import { crdStrategy } from './crd.js';
import { customResourceStrategy } from './custom-resource.js';
import { coreEventStrategy, eventsV1Strategy } from './event.js';
import { leaseStrategy } from './lease.js';
import { namespaceStrategy } from './namespace.js';
import { podStrategy } from './pod.js';
import { secretStrategy } from './secret.js';
import { serviceAccountStrategy } from './service-account.js';
import type { KindStrategy } from './strategy.js';

const BUILT_IN: Record<string, KindStrategy> = {
  '/Secret': secretStrategy,
  '/ConfigMap': configMapStrategy,
  '/ServiceAccount': serviceAccountStrategy,
  '/Namespace': namespaceStrategy,
  '/Pod': podStrategy,
  '/Event': coreEventStrategy,
  'events.k8s.io/Event': eventsV1Strategy,
  'coordination.k8s.io/Lease': leaseStrategy,
  'apiextensions.k8s.io/CustomResourceDefinition': crdStrategy,
};

const cache = new Map<ResourceDef, KindStrategy>();

export function strategyFor(def: ResourceDef): KindStrategy {
  let s = cache.get(def);
  if (!s) {
    s = BUILT_IN[`${def.group}/${def.kind}`] ?? customResourceStrategy(def);
    cache.set(def, s);
  }
  return s;
}

export type { KindStrategy } from './strategy.js';
