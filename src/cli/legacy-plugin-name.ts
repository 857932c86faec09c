/** kustomize finds a legacy exec plugin by file name: a link with this name runs the kustomize-plugin command. */
export const LEGACY_PLUGIN_NAME = 'ImagePullSecret';
