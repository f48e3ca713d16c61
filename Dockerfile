# syntax=docker/dockerfile:1
# One image for every process of Lead Router; the command picks the role, with the role's heap limits
# (lib/heapLimits.ts: without them V8 sizes the heap from the host's memory):
#   api (default)  node --max-old-space-size=192 --max-semi-space-size=4 dist/api/server.js
#   worker         node --max-old-space-size=256 --max-semi-space-size=16 dist/workers/main.js
#   combined       node --max-old-space-size=320 --max-semi-space-size=16 dist/workers/combined.js
#   migrations     node dist/scripts/migrate.js

# ---- build: compile TypeScript, then drop dev dependencies ----
FROM node:24-bookworm-slim AS build
WORKDIR /app

# Manifests first so the dependency layer stays cached until they change.
COPY package.json package-lock.json ./
COPY patches ./patches
# --ignore-scripts: the only install scripts in the tree (@swc/core, protobufjs, and the dev-only
# esbuild / @parcel/watcher) are checks or optimisations; native code (swc, Temporal core-bridge,
# dd-trace) ships prebuilt. Explicit so npm 10 and npm 11 behave the same.
# patches/: the Temporal SDK's two per-lead sandbox costs made optional (patches/README.md).
RUN npm ci --ignore-scripts \
 && npx patch-package --error-on-fail

COPY . .
# tsc -p tsconfig.build.json -> dist/ mirrors the source folders (dist/api/server.js, ...).
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts

# ---- runtime: production node_modules + compiled JS only ----
FROM node:24-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production

# Files stay owned by root, so the unprivileged process cannot rewrite its own code.
# No workflows/ sources: the worker bundles dist/workflows/index.js at startup.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

# The base image already has the unprivileged user "node" (uid 1000).
USER node
EXPOSE 3000
# The api's heap limits (lib/heapLimits.ts); docker-compose.yml gives each role its own.
CMD ["node", "--max-old-space-size=192", "--max-semi-space-size=4", "dist/api/server.js"]
