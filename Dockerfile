# ansinh: one image for every process (web, worker, both, one-off CLI commands).
#   docker build -t ansinh .
#   docker run --rm -p 3000:3000 -e DATABASE_URL=... -e ANSINH_SECRET_KEY=... -e REDIS_URL=... ansinh
# The default command is `ansinh start` (HTTP server and background worker in one process);
# docker-compose.yml runs `serve` and `worker` separately. See docs/operations.md.

# ---- build: dependencies and the generated Prisma client ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Only what `npm ci` and `prisma generate` read, so source edits do not re-install.
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts/no-schema-engine.sh scripts/
COPY prisma/schema.prisma prisma/
# Dependencies' install scripts are skipped (nothing here needs them: esbuild's binary comes as
# an optional package, msgpackr falls back to JavaScript, and Prisma must not download engines).
# Our own postinstall is run explicitly: `prisma generate` with PRISMA_SCHEMA_ENGINE_BINARY
# pointing at a stub, writing src/generated/prisma. Then the dev tools are dropped.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm run db:generate \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime ----
FROM node:20-bookworm-slim
WORKDIR /app
ENV HOST=0.0.0.0 \
    PORT=3000 \
    ANSINH_DATA_DIR=/app/.data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/src/generated ./src/generated
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY bots ./bots
COPY prisma ./prisma
COPY src ./src
# The code is root's and read-only for the process; only the data folder (embedded database,
# generated key: used when no DATABASE_URL is set) is the process's.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
# Liveness only (the process answers); /readyz also checks PostgreSQL and Redis.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM (docker stop) closes gracefully: give it more than the default 10 s (compose sets 30 s).
CMD ["node", "bin/ansinh.js", "start"]
