// The patch strategies of the fields the fake's types have, copied from the struct tags of
// staging/src/k8s.io/api/core/v1/types.go and staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go:
// `patchStrategy:"merge" patchMergeKey:"..."` lists are merged element by element; every other list is replaced
// whole. In particular ServiceAccount.imagePullSecrets is `+listType=atomic` with no patch strategy (replaced),
// while ServiceAccount.secrets and PodSpec.imagePullSecrets merge by `name`.

export interface PatchMeta {
  /** Present: a merge list. `mergeKey` absent on a merge list means a list of primitives (a set). */
  readonly list?: { readonly mergeKey?: string };
  readonly fields?: Readonly<Record<string, PatchMeta>>;
  /** Schema of each element of a merge list of objects. */
  readonly items?: PatchMeta;
}

const byName: PatchMeta = { list: { mergeKey: 'name' } };

const OBJECT_META: PatchMeta = {
  fields: {
    ownerReferences: { list: { mergeKey: 'uid' } },
    finalizers: { list: {} },
  },
};

const CONTAINER: PatchMeta = {
  fields: {
    env: byName,
    ports: { list: { mergeKey: 'containerPort' } },
    volumeMounts: { list: { mergeKey: 'mountPath' } },
    volumeDevices: { list: { mergeKey: 'devicePath' } },
  },
};

const POD: PatchMeta = {
  fields: {
    metadata: OBJECT_META,
    spec: {
      fields: {
        containers: { list: { mergeKey: 'name' }, items: CONTAINER },
        initContainers: { list: { mergeKey: 'name' }, items: CONTAINER },
        ephemeralContainers: { list: { mergeKey: 'name' }, items: CONTAINER },
        volumes: byName,
        imagePullSecrets: byName,
        hostAliases: { list: { mergeKey: 'ip' } },
      },
    },
    status: { fields: { conditions: { list: { mergeKey: 'type' } } } },
  },
};

const SERVICE_ACCOUNT: PatchMeta = {
  fields: {
    metadata: OBJECT_META,
    secrets: byName,
    // imagePullSecrets: +listType=atomic, no patchStrategy: a strategic merge patch replaces the list.
  },
};

const PLAIN: PatchMeta = { fields: { metadata: OBJECT_META } };

export function patchMetaFor(kind: string): PatchMeta {
  if (kind === 'Pod') return POD;
  if (kind === 'ServiceAccount') return SERVICE_ACCOUNT;
  return PLAIN;
}
