// The Argo CD plugin's input root: the repository, not just the app directory. argocd-cmp-server unpacks the
// repository (every file the repo server sends) into /tmp/_cmp-server/<uuid>/ and runs `generate` in
// <that>/$ARGOCD_APP_SOURCE_PATH. Other Applications' repositories are unpacked next to it, so `files` must never
// climb above <uuid>/. Within the repository `../shared/x.yaml` is allowed: anyone who can point an Application at
// this repository can already point it at any folder of it, so the app directory is no boundary worth keeping,
// and a shared folder of Namespaces or source Secrets beside the apps is the documented layout (docs/argocd.md).
// Argo CD draws the same line for Helm value files (argoproj/argo-cd util/io/path/resolved.go: repoRoot).
import { basename, dirname, resolve } from 'node:path';
import { inputRoot, type InputRoot, type ReadFailure } from '../../io/input-files.js';

/**
 * `cwd` with ARGOCD_APP_SOURCE_PATH taken off its end. When the variable is unset (a hand run), names no folder
 * (`.`), does not match the end of `cwd`, or climbs (`..`), the root is `cwd` itself: the stricter choice.
 */
export async function repositoryRoot(cwd: string, env: NodeJS.ProcessEnv): Promise<InputRoot | ReadFailure> {
  const segments = (env['ARGOCD_APP_SOURCE_PATH'] ?? '').split('/').filter((segment) => segment !== '' && segment !== '.');
  let dir = resolve(cwd);
  const matches = segments.every((segment) => segment !== '..') && [...segments].reverse().every((segment) => {
    if (basename(dir) !== segment) return false;
    dir = dirname(dir);
    return true;
  });
  if (segments.length === 0 || !matches) return inputRoot(cwd, 'the app directory');
  return inputRoot(dir, 'the repository');
}
