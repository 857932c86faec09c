// The resource types the fake serves, and the discovery documents derived from
// them. Adding a type here is all it takes for CRUD, list, watch and discovery.

export interface ResourceDef {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  /** Only `status` has behaviour; it splits status writes from the main resource, as on a real server. */
  subresources: string[];
  shortNames?: string[];
  /** Field selectors the real server accepts beyond metadata.name/metadata.namespace. */
  extraFields?: string[];
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const RESOURCES: readonly ResourceDef[] = [
  { group: '', version: 'v1', plural: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, subresources: ['status'], shortNames: ['ns'], extraFields: ['status.phase'] },
  { group: '', version: 'v1', plural: 'pods', singular: 'pod', kind: 'Pod', namespaced: true, subresources: ['status'], shortNames: ['po'], extraFields: ['spec.nodeName', 'spec.serviceAccountName', 'status.phase'] },
  { group: '', version: 'v1', plural: 'secrets', singular: 'secret', kind: 'Secret', namespaced: true, subresources: [], extraFields: ['type'] },
  // `token`: TokenRequest (POST only), served by server.ts.
  { group: '', version: 'v1', plural: 'serviceaccounts', singular: 'serviceaccount', kind: 'ServiceAccount', namespaced: true, subresources: ['token'], shortNames: ['sa'] },
  { group: '', version: 'v1', plural: 'configmaps', singular: 'configmap', kind: 'ConfigMap', namespaced: true, subresources: [], shortNames: ['cm'] },
  { group: '', version: 'v1', plural: 'events', singular: 'event', kind: 'Event', namespaced: true, subresources: [], shortNames: ['ev'], extraFields: ['involvedObject.kind', 'involvedObject.name', 'involvedObject.namespace', 'involvedObject.uid', 'reason', 'type'] },
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', singular: 'lease', kind: 'Lease', namespaced: true, subresources: [] },
  { group: 'events.k8s.io', version: 'v1', plural: 'events', singular: 'event', kind: 'Event', namespaced: true, subresources: [], shortNames: ['ev'], extraFields: ['regarding.kind', 'regarding.name', 'regarding.namespace', 'reason', 'type'] },
  { group: 'images.banzaicloud.io', version: 'v1alpha1', plural: 'imagepullsecrets', singular: 'imagepullsecret', kind: 'ImagePullSecret', namespaced: false, subresources: ['status'], shortNames: ['imps'] },
  // msi-acrpull's two CRDs (deploy/acrpull/crd), and CRDs themselves: the binding controller reads its CRD to tell a
  // binding being deleted from every binding going with its CRD.
  { group: 'msi-acrpull.microsoft.com', version: 'v1beta1', plural: 'acrpullbindings', singular: 'acrpullbinding', kind: 'AcrPullBinding', namespaced: true, subresources: ['status'] },
  { group: 'acrpull.microsoft.com', version: 'v1beta2', plural: 'acrpullbindings', singular: 'acrpullbinding', kind: 'AcrPullBinding', namespaced: true, subresources: ['status'], shortNames: ['apb', 'apbs'] },
  { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', singular: 'customresourcedefinition', kind: 'CustomResourceDefinition', namespaced: false, subresources: ['status'], shortNames: ['crd', 'crds'] },
];

export function apiVersionOf(def: ResourceDef): string {
  return def.group === '' ? def.version : `${def.group}/${def.version}`;
}

export function findByPlural(group: string, version: string, plural: string): ResourceDef | undefined {
  return RESOURCES.find((d) => d.group === group && d.version === version && d.plural === plural);
}

export function findByKind(apiVersion: string, kind: string): ResourceDef | undefined {
  return RESOURCES.find((d) => apiVersionOf(d) === apiVersion && d.kind === kind);
}

export function hasGroupVersion(group: string, version: string): boolean {
  return RESOURCES.some((d) => d.group === group && d.version === version);
}

export function apiVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDoc(group: string): unknown {
  const versions = [...new Set(RESOURCES.filter((d) => d.group === group).map((d) => d.version))].map((version) => ({
    groupVersion: `${group}/${version}`,
    version,
  }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions, preferredVersion: versions[0] };
}

export function apiGroup(group: string): unknown {
  return groupDoc(group);
}

export function apiGroupList(): unknown {
  const groups = [...new Set(RESOURCES.map((d) => d.group).filter((g) => g !== ''))];
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(groupDoc) };
}

export function apiResourceList(group: string, version: string): unknown {
  const resources: unknown[] = [];
  for (const d of RESOURCES) {
    if (d.group !== group || d.version !== version) continue;
    resources.push({
      name: d.plural,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: ALL_VERBS,
      ...(d.shortNames ? { shortNames: d.shortNames } : {}),
    });
    for (const sub of d.subresources) {
      resources.push({ name: `${d.plural}/${sub}`, singularName: '', namespaced: d.namespaced, kind: d.kind, verbs: ['get', 'patch', 'update'] });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources,
  };
}
