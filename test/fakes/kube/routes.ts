// Maps a request path onto discovery documents or a resource route, following
// the apiserver's URL layout (/api/v1/..., /apis/GROUP/VERSION/...).

import { apiGroup, apiGroupList, apiResourceList, apiVersions, findByPlural, hasGroupVersion, RESOURCES, type ResourceDef } from './registry.js';

export interface Route {
  def: ResourceDef;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export type Resolved = { kind: 'doc'; body: unknown } | { kind: 'resource'; route: Route } | { kind: 'none' };

/** `segs` are the decoded path segments. */
export function resolvePath(segs: string[], serverAddress: string): Resolved {
  const [s0, s1, s2] = segs;
  if (s0 === 'api' && segs.length === 1) return { kind: 'doc', body: apiVersions(serverAddress) };
  if (s0 === 'apis' && segs.length === 1) return { kind: 'doc', body: apiGroupList() };
  if (s0 === 'apis' && segs.length === 2 && s1 && RESOURCES.some((d) => d.group === s1)) return { kind: 'doc', body: apiGroup(s1) };
  let group: string;
  let version: string;
  let rest: string[];
  if (s0 === 'api' && s1 === 'v1') [group, version, rest] = ['', 'v1', segs.slice(2)];
  else if (s0 === 'apis' && s1 && s2 && hasGroupVersion(s1, s2)) [group, version, rest] = [s1, s2, segs.slice(3)];
  else return { kind: 'none' };
  if (rest.length === 0) return { kind: 'doc', body: apiResourceList(group, version) };

  const namespacedDef = rest[0] === 'namespaces' && rest.length >= 3 ? findByPlural(group, version, rest[2] ?? '') : undefined;
  if (namespacedDef?.namespaced) {
    const [, namespace, , name, subresource, ...extra] = rest;
    if (extra.length > 0 || namespace === undefined) return { kind: 'none' };
    return { kind: 'resource', route: { def: namespacedDef, namespace, ...(name !== undefined ? { name } : {}), ...(subresource !== undefined ? { subresource } : {}) } };
  }
  const [plural, name, subresource, ...extra] = rest;
  const def = findByPlural(group, version, plural ?? '');
  if (!def || extra.length > 0 || (def.namespaced && name !== undefined)) return { kind: 'none' };
  return { kind: 'resource', route: { def, ...(name !== undefined ? { name } : {}), ...(subresource !== undefined ? { subresource } : {}) } };
}

