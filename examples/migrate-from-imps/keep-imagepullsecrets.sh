#!/bin/sh
# Helm post-renderer for the IMPS chart (banzaicloud imagepullsecrets): adds helm.sh/resource-policy: keep to every
# ImagePullSecret of the release, so that `helm uninstall` keeps it (Helm reads the policy from the stored release
# manifest, which only an upgrade writes; annotating the live object is not enough). Manifests in on stdin, out on
# stdout. Uses `kubectl kustomize`, or the binary named by $KUSTOMIZE (`kustomize build`).
#   helm upgrade imps <chart> -n <ns> -f imps-values.yaml --post-renderer ./keep-imagepullsecrets.sh
# See docs/migrating-from-imps.md.
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/all.yaml"
cat > "$dir/kustomization.yaml" <<'KUSTOMIZATION'
resources: [all.yaml]
patches:
  - target: {group: images.banzaicloud.io, kind: ImagePullSecret}
    patch: |-
      apiVersion: images.banzaicloud.io/v1alpha1
      kind: ImagePullSecret
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
