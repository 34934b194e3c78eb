# syntax=docker/dockerfile:1
# payval: one image, three roles (ROLE=all|api|worker). Node 22 LTS, non-root.

FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/stubs scripts/stubs
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim AS check
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/stubs scripts/stubs
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json openapi.yaml ./
COPY bin bin
COPY src src
COPY workers workers
COPY migrations migrations
# The image only builds from sources that type-check.
RUN npx tsc --noEmit -p tsconfig.build.json

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules node_modules
COPY --from=check --chown=root:root /app/package.json /app/tsconfig.json /app/openapi.yaml ./
COPY --from=check --chown=root:root /app/bin bin
COPY --from=check --chown=root:root /app/src src
COPY --from=check --chown=root:root /app/workers workers
COPY --from=check --chown=root:root /app/migrations migrations
# Code is owned by root and read-only to the service user.
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
# Same heap bounds as `npm start` (package.json); see README "Memory".
CMD ["node", "--max-old-space-size=128", "--max-semi-space-size=8", "bin/payval.mjs", "serve"]
