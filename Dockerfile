# syntax=docker/dockerfile:1
# iam-subgraph: production image. Build: docker build -t iam-subgraph .
# Run against real servers (the embedded PostgreSQL/SpiceDB are for development):
#   docker run --init -p 4000:4000 -e DATABASE_URL=postgres://... -e SPICEDB_ENDPOINT=spicedb:50051 \
#     -e SPICEDB_TOKEN=... -e SPICEDB_INSECURE=true -e ROUTER_SECRET=... iam-subgraph

# ---- build: compile TypeScript with the full toolchain --------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The compiled code finds schema.graphql, schema.zed and migrations/ relative to its own files
# (dist/src/graphql/schema.js -> ../../schema.graphql), i.e. in dist/, mirroring the repository.
COPY schema.graphql schema.zed ./
COPY migrations ./migrations
RUN npm run build

# ---- runtime: production dependencies and compiled output only --------------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/var/lib/iam-subgraph
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Only used when no DATABASE_URL is given (embedded PostgreSQL), which refuses to run as root anyway.
RUN mkdir -p "$DATA_DIR" && chown node:node "$DATA_DIR"
USER node
EXPOSE 4000
# No curl in slim images: Node's fetch does the probe. Liveness only; readiness (PostgreSQL and
# SpiceDB) is /health/ready, for the orchestrator.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# main.ts drains HTTP, stops the outbox relay after its batch and closes pools on SIGTERM.
# A young generation of 64 MiB per semi-space: see "Node.js flags" in the README.
CMD ["node", "--max-semi-space-size=64", "dist/src/main.js"]
