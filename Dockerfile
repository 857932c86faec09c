# imps-krm image: a KRM container function (kustomize, kpt) and the Argo CD CMP sidecar (argocd-cmp/).
#   kustomize/kpt:  container: {image: imps-krm:0.1.0}   (no arguments + a ResourceList on stdin = `imps-krm fn`)
#   Argo CD:        see argocd-cmp/repo-server-patch.yaml (command: /var/run/argocd/argocd-cmp-server)
#   init container: command: [imps-krm, install, /custom-tools]
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY scripts ./scripts
COPY schemas ./schemas
COPY src ./src
COPY tsconfig.json ./
# The bundle is self-contained (no node_modules at run time); `install` lays it out as the init container would.
RUN npm run build && node dist/cli.js install /opt/imps-krm

FROM node:20-bookworm-slim
COPY --from=build /opt/imps-krm /opt/imps-krm
COPY argocd-cmp/plugin.yaml /home/argocd/cmp-server/config/plugin.yaml
ENV PATH=/opt/imps-krm:$PATH
# 999 is the uid argocd-cmp-server expects; kustomize and kpt run container functions as nobody anyway.
USER 999:999
WORKDIR /tmp
ENTRYPOINT ["imps-krm"]
