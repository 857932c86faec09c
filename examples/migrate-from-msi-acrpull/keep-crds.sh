#!/bin/sh
# Helm post-renderer for msi-acrpull's chart (Azure/msi-acrpull config/helm, release usually `acrpull`): adds
# helm.sh/resource-policy: keep to its CustomResourceDefinitions, so that `helm uninstall` keeps them. The chart
# ships its CRDs as templates: without this, uninstalling deletes both CRDs, every AcrPullBinding with them, and
# every pull Secret with those. Helm reads the policy from the stored release manifest, which only an upgrade
# writes (annotating the live CRDs is not enough). Manifests in on stdin, out on stdout. Uses `kubectl kustomize`, or
# the binary named by $KUSTOMIZE (`kustomize build`).
#   helm upgrade acrpull <chart> -n <ns> -f acrpull-values.yaml --post-renderer ./keep-crds.sh
# See docs/migrating-from-msi-acrpull.md.
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/all.yaml"
cat > "$dir/kustomization.yaml" <<'KUSTOMIZATION'
resources: [all.yaml]
patches:
  - target: {group: apiextensions.k8s.io, kind: CustomResourceDefinition}
    patch: |-
      apiVersion: apiextensions.k8s.io/v1
      kind: CustomResourceDefinition
      metadata:
        name: any
        annotations:
          helm.sh/resource-policy: keep
KUSTOMIZATION
if [ -n "${KUSTOMIZE:-}" ]; then
  "$KUSTOMIZE" build "$dir"
else
  kubectl kustomize "$dir"
fi
