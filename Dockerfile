# syntax=docker/dockerfile:1
# heatpool server image (docs/DEPLOYMENT.md). Two stages: `build` compiles the TypeScript and the
# native better-sqlite3 module; `runtime` holds only what `node packages/server/dist/server.js`
# needs, runs as the unprivileged `node` user (uid 1000) and keeps its data under /data.
# packages/server/test/deployment.test.ts checks this file against the code.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 is compiled at install (node-gyp): it needs python3, make and a C++ compiler.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# The npm of package.json's `packageManager`: its `allowScripts` lets exactly esbuild and
# better-sqlite3 run install scripts, as in CI.
RUN npm install -g npm@11.19.1 --no-audit --no-fund
# Compile better-sqlite3 from source, as CI does, instead of downloading a prebuilt binary.
ENV npm_config_build_from_source=better-sqlite3
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/protocol/package.json packages/protocol/
COPY packages/ml/package.json packages/ml/
COPY packages/server/package.json packages/server/
COPY packages/server/bin packages/server/bin
COPY packages/agent/package.json packages/agent/
COPY packages/agent/bin packages/agent/bin
COPY packages/sim/package.json packages/sim/
COPY packages/sim/bin packages/sim/bin
COPY packages/web/package.json packages/web/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.base.json ./
COPY packages packages
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/data
WORKDIR /app
# Code and dependencies stay owned by root: the server cannot modify itself.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages/protocol/package.json packages/protocol/
COPY --from=build /app/packages/protocol/dist packages/protocol/dist
COPY --from=build /app/packages/ml/package.json packages/ml/
COPY --from=build /app/packages/ml/dist packages/ml/dist
COPY --from=build /app/packages/server/package.json packages/server/
COPY --from=build /app/packages/server/bin packages/server/bin
COPY --from=build /app/packages/server/dist packages/server/dist
# The built web UI, served at / (the server serves the API only without it).
COPY --from=build /app/packages/web/dist packages/web/dist
# The embedded SQLite store and the model files (MODEL_DIR defaults to /data/models).
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8000
# Liveness without curl or wget: Node's fetch against /health on this container's PORT.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health', { signal: AbortSignal.timeout(3000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The server drains in-flight requests on SIGTERM within SHUTDOWN_GRACE_MS (default 10 s).
STOPSIGNAL SIGTERM
CMD ["node", "packages/server/dist/server.js"]
