# syntax=docker/dockerfile:1
# payval: one image, three roles (ROLE=all|api|worker). Node 22 LTS, non-root. The image runs the
# compiled JavaScript (dist/), built in the `build` stage; TypeScript, tsx and the sources stay out of it.
# See docs/decisions/0021-compiled-build-in-production.md.

FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/stubs scripts/stubs
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/stubs scripts/stubs
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin bin
COPY scripts/build.mjs scripts/build.mjs
COPY src src
COPY workers workers
COPY migrations migrations
# `npm run build`: type-checks and compiles to dist/ (no output on any type error), migrations included.
RUN node scripts/build.mjs

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# Production dependencies only; the stub is what msgpackr-extract links to (docs/decisions/0007).
COPY --from=deps --chown=root:root /app/node_modules node_modules
COPY --from=deps --chown=root:root /app/scripts/stubs scripts/stubs
# package.json makes dist/*.js ES modules and marks the folder openapi.yaml is read from.
COPY --from=build --chown=root:root /app/package.json ./
COPY --chown=root:root openapi.yaml ./
COPY --chown=root:root console-assets console-assets
COPY --from=build --chown=root:root /app/bin bin
COPY --from=build --chown=root:root /app/dist dist
# Code is owned by root and read-only to the service user.
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
# bin/payval.mjs runs dist/ here: the image holds no sources to prefer. Heap bounds as `npm start` gives an
# API or a default worker (README "Memory"); a worker with a larger WORKER_CONCURRENCY needs a larger
# --max-old-space-size in NODE_OPTIONS (`node bin/node-flags.mjs` prints it; bin/payval.mjs warns when it is short).
ENV NODE_OPTIONS="--max-old-space-size=192 --max-semi-space-size=32"
CMD ["node", "bin/payval.mjs", "serve"]
