/**
 * kustomize finds a legacy exec plugin by file name: a link with one of these names runs the kustomize-plugin
 * command (AcrPullBinding for msi-acrpull manifests listed under generators:).
 */
export const LEGACY_PLUGIN_NAMES: readonly string[] = ['ImagePullSecret', 'AcrPullBinding'];
