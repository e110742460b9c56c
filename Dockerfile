# syntax=docker/dockerfile:1
# The passkey app in a container. Two targets:
#   runtime (default)  the standalone Next.js output for a real Cognito pool, served by scripts/next-server.mjs
#   embedded           embedded Cognito and self-hosted passkeys, no AWS account: the `npm start` launcher with EMBEDDED=1
#
#   docker build -t cognito-passkeys .
#   docker build --target embedded -t cognito-passkeys:embedded .
#
# Every stage starts from the same Debian-based Node.js 22 LTS image (Node 20 is past its end of
# life; the Lambdas run 22 too). Nothing compiles at install: the one native module (classic-level,
# the embedded DynamoDB's LevelDB, used by the embedded target's launcher only) ships prebuilt
# binaries for linux-x64 and linux-arm64.

# --- every dependency, dev ones included, for the builds ------------------------------------
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# --- the standalone build: the server and only the files it traces --------------------------
FROM node:22-bookworm-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN NEXT_OUTPUT=standalone npm run build

# --- production dependencies only, for the embedded target ----------------------------------
FROM node:22-bookworm-slim AS production-deps
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
RUN npm prune --omit=dev --no-audit --no-fund

# --- the regular build, which `next start` (run by the embedded launcher) needs -------------
FROM node:22-bookworm-slim AS build-embedded
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN npm run build

# --- embedded mode: the launcher starts the embedded Cognito and DynamoDB, then `next start` -
FROM node:22-bookworm-slim AS embedded
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    EMBEDDED=1 \
    PORT=3000 \
    DATA_DIR=/data \
    APP_ORIGIN=http://localhost:3000
COPY --from=production-deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build-embedded --chown=node:node /app/.next ./.next
COPY --from=build-embedded --chown=node:node /app/public ./public
# The launcher (scripts/run.ts) runs from source: it starts the embedded Cognito (embedded-cognito/, lib/, lambdas/)
# and DynamoDB (its files under /data/dynamodb), then `next start` on the build above.
COPY --chown=node:node package.json next.config.mjs tsconfig.json ./
COPY --chown=node:node lib ./lib
COPY --chown=node:node embedded-cognito ./embedded-cognito
COPY --chown=node:node lambdas ./lambdas
COPY --chown=node:node scripts ./scripts
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# Healthy while the server answers /api/health: 200, or 503 naming the dependency it cannot reach.
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then((r)=>process.exit(r.status===200||r.status===503?0:1),()=>process.exit(1))"]
CMD ["node_modules/.bin/tsx", "--conditions=react-server", "scripts/run.ts", "start"]

# --- the default target: the standalone server for a real Cognito pool ---------------------
FROM node:22-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    HOSTNAME=0.0.0.0 \
    DATA_DIR=/data
COPY --from=build --chown=node:node /app/.next/standalone ./
COPY --from=build --chown=node:node /app/.next/static ./.next/static
COPY --from=build --chown=node:node /app/public ./public
# The server `npm start` runs too, in place of Next's own server.js: it refuses methods the app
# does not serve (405 with the security headers), appends the peer to X-Forwarded-For, and
# drains on SIGTERM within SHUTDOWN_TIMEOUT_SECONDS. Plain JavaScript over the standalone files.
COPY --from=build --chown=node:node /app/scripts/next-server.mjs /app/scripts/lifecycle.mjs ./scripts/
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then((r)=>process.exit(r.status===200||r.status===503?0:1),()=>process.exit(1))"]
CMD ["node", "scripts/next-server.mjs"]
