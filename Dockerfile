# imps-krm image: a KRM container function (kustomize, kpt) and the Argo CD CMP sidecar (argocd-cmp/).
#   kustomize/kpt:  container: {image: imps-krm:0.1.0}   (no arguments + a ResourceList on stdin = `imps-krm fn`)
#   Argo CD:        see argocd-cmp/repo-server-patch.yaml (command: /var/run/argocd/argocd-cmp-server)
#   init container: command: [imps-krm, install, /custom-tools]
# Built by the release pipeline; the tests have no container engine and check this file instead
# (test/unit/dockerfile.test.ts): Node line, install layout, code-cache location, USER, ENTRYPOINT.
# Node 26, the current LTS line. Both stages use the same image: the final stage prewarms the V8 code cache, which
# is only valid for the Node build that made it.
ARG NODE_IMAGE=node:26-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY scripts ./scripts
COPY schemas ./schemas
COPY src ./src
COPY tsconfig.json ./
RUN npm run build

FROM ${NODE_IMAGE}
# V8 sized for the Argo CD sidecar's 256Mi (argocd-cmp/repo-server-patch.yaml): a young generation of 8 MiB a
# semi-space (Node 24 and 26 size it from the host's memory) and an old generation capped at 160 MiB, so the
# collector works harder before the heap grows. With Node 26's own sizing on a large host, the worst inputs the limits
# admit peaked at 200-225 MB; with these, at 167-175 MB (docs/input-limits.md; test/bounds/memory.test.ts runs with
# this line). The controller's Deployment sets its own NODE_OPTIONS. Set before `install`: the prewarmed code cache
# is keyed by the V8 flags, NODE_OPTIONS included.
ENV NODE_OPTIONS="--max-semi-space-size=8 --max-old-space-size=160"
# The bundle is self-contained (no node_modules at run time). `install` lays it out as the init container would and
# runs each face once on a built-in sample (as root, here), leaving /opt/imps-krm/code-cache/: owned by root,
# readable by the runtime user, read-only at run time. The install run's own cache (in root's home) is dropped.
COPY --from=build /src/dist /tmp/imps-krm-dist
RUN node /tmp/imps-krm-dist/cli.js install /opt/imps-krm && rm -rf /tmp/imps-krm-dist /root/.cache
COPY argocd-cmp/plugin.yaml /home/argocd/cmp-server/config/plugin.yaml
ENV PATH=/opt/imps-krm:$PATH
# 999 is the uid argocd-cmp-server expects; kustomize and kpt run container functions as nobody anyway. Nothing is
# written at run time: the root file system can be read-only (a per-user cache needs a writable home; without one
# the launcher runs from the prewarmed cache, or without a cache, silently).
USER 999:999
WORKDIR /tmp
ENTRYPOINT ["imps-krm"]
