// Deterministic bulk data for scale tests and benchmarks.
//
// Generation rule, for namespace index i in [0, namespaces) and pod index j in
// [0, podsPerNamespace):
//
//   Namespace `ns-<i, 5 digits>` (ns-00000, ns-00001, ...):
//     labels      kubernetes.io/metadata.name=<name>            always (the real server adds it too)
//                 team=<TEAMS[i % 4]>                          alpha, beta, gamma, delta
//                 env=prod when i % 3 === 0, else env=dev
//                 istio.io/rev=default                         when i % 10 === 0
//     annotations sidecar.istio.io/inject: "true"              when i % 7 === 0
//   Pod `pod-<j, 3 digits>` in that namespace:
//     labels      app=app-<j % 5>, team=<namespace team>
//     annotations sidecar.istio.io/inject: "true"              when i % 11 === 0 and j % 2 === 0
//     spec        one container `app`, image registry-<i % 3>.example.com/app:<j % 5>,
//                 serviceAccountName default; status.phase Running
//
// So for 10 000 namespaces: 2 500 per team, 3 334 env=prod, 1 000 with
// istio.io/rev, 1 429 annotated for injection, 2 286 with either, and 910
// namespaces holding at least one annotated pod (when podsPerNamespace >= 1).
// `generatedCounts` computes these numbers from the same predicates.

import type { GenerateOptions, KubeObject } from './types.js';

export const GENERATED_TEAMS = ['alpha', 'beta', 'gamma', 'delta'] as const;
export const ISTIO_REV_LABEL = 'istio.io/rev';
export const SIDECAR_INJECT_ANNOTATION = 'sidecar.istio.io/inject';

export const generatedRules = {
  team: (i: number): string => GENERATED_TEAMS[i % GENERATED_TEAMS.length] ?? 'alpha',
  env: (i: number): 'prod' | 'dev' => (i % 3 === 0 ? 'prod' : 'dev'),
  namespaceHasIstioRev: (i: number): boolean => i % 10 === 0,
  namespaceAnnotatedForInjection: (i: number): boolean => i % 7 === 0,
  podAnnotatedForInjection: (i: number, j: number): boolean => i % 11 === 0 && j % 2 === 0,
};

export function generatedNamespaceName(i: number): string {
  return `ns-${String(i).padStart(5, '0')}`;
}

export function generatedPodName(j: number): string {
  return `pod-${String(j).padStart(3, '0')}`;
}

export function generatedNamespace(i: number): KubeObject {
  const name = generatedNamespaceName(i);
  const labels: Record<string, string> = {
    'kubernetes.io/metadata.name': name,
    team: generatedRules.team(i),
    env: generatedRules.env(i),
  };
  if (generatedRules.namespaceHasIstioRev(i)) labels[ISTIO_REV_LABEL] = 'default';
  const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
  if (generatedRules.namespaceAnnotatedForInjection(i)) ns.metadata.annotations = { [SIDECAR_INJECT_ANNOTATION]: 'true' };
  return ns;
}

export function generatedPod(i: number, j: number): KubeObject {
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: generatedPodName(j),
      namespace: generatedNamespaceName(i),
      labels: { app: `app-${j % 5}`, team: generatedRules.team(i) },
    },
    spec: {
      containers: [{ name: 'app', image: `registry-${i % 3}.example.com/app:${j % 5}` }],
      serviceAccountName: 'default',
    },
    status: { phase: 'Running' },
  };
  if (generatedRules.podAnnotatedForInjection(i, j)) pod.metadata.annotations = { [SIDECAR_INJECT_ANNOTATION]: 'true' };
  return pod;
}

export interface GeneratedCounts {
  namespaces: number;
  pods: number;
  namespacesByTeam: Record<string, number>;
  namespacesByEnv: { prod: number; dev: number };
  /** Namespaces labelled istio.io/rev. */
  namespacesWithIstioRev: number;
  /** Namespaces annotated sidecar.istio.io/inject: "true". */
  namespacesAnnotatedForInjection: number;
  /** Namespaces with the label OR the annotation (one selector rule each, ORed). */
  namespacesWithIstioRevOrInjection: number;
  /** Pods annotated sidecar.istio.io/inject: "true". */
  podsAnnotatedForInjection: number;
  /** Namespaces holding at least one annotated pod. */
  namespacesWithAnnotatedPods: number;
}

/** Pure: what `generate` will create, for asserting benchmark results. */
export function generatedCounts(opts: GenerateOptions): GeneratedCounts {
  const c: GeneratedCounts = {
    namespaces: opts.namespaces,
    pods: opts.namespaces * opts.podsPerNamespace,
    namespacesByTeam: Object.fromEntries(GENERATED_TEAMS.map((t) => [t, 0])),
    namespacesByEnv: { prod: 0, dev: 0 },
    namespacesWithIstioRev: 0,
    namespacesAnnotatedForInjection: 0,
    namespacesWithIstioRevOrInjection: 0,
    podsAnnotatedForInjection: 0,
    namespacesWithAnnotatedPods: 0,
  };
  for (let i = 0; i < opts.namespaces; i++) {
    const team = generatedRules.team(i);
    c.namespacesByTeam[team] = (c.namespacesByTeam[team] ?? 0) + 1;
    c.namespacesByEnv[generatedRules.env(i)]++;
    const rev = generatedRules.namespaceHasIstioRev(i);
    const ann = generatedRules.namespaceAnnotatedForInjection(i);
    if (rev) c.namespacesWithIstioRev++;
    if (ann) c.namespacesAnnotatedForInjection++;
    if (rev || ann) c.namespacesWithIstioRevOrInjection++;
    let annotatedPods = 0;
    for (let j = 0; j < opts.podsPerNamespace; j++) if (generatedRules.podAnnotatedForInjection(i, j)) annotatedPods++;
    c.podsAnnotatedForInjection += annotatedPods;
    if (annotatedPods > 0) c.namespacesWithAnnotatedPods++;
  }
  return c;
}
