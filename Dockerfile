# marketgraph for servers: the gateway without the embedded engines (chdb alone is ~540 MB).
# Point it at PostgreSQL, ClickHouse, Redis/Dragonfly and Redpanda/Kafka with the *_URL variables.
# It runs compiled JavaScript only, on Node 24 LTS: no TypeScript loader at run time.
#
# .ci/image-layout.sh reproduces these stages on a host without Docker and CI runs the result
# (README, "Container image"). For that, every path in a stage is relative to its WORKDIR, or,
# in COPY --from, under the other stage's WORKDIR; RUN lines use only the stage's own files.

FROM node:24.22.3-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# From the lock, with the optional embedded engines: the compiler needs their types (their
# adapters are compiled, and not loaded unless configured); only the `deps` stage's node_modules
# reach the image. npm's `prepare` script (the market page) skips itself: web/ is not copied.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY schema ./schema
COPY src ./src
COPY migrations ./migrations
# src/ and the migration modules (migrations/*/*.ts → dist/migrations/*/*.js). Not `npm run
# build`, which builds the page too.
RUN npx tsc -p tsconfig.build.json

# The market page (web/dist). --omit=optional above would also leave out Vite's bundler, a
# platform-specific optional package, so this stage installs only what the page's build needs,
# at the versions package.json names.
FROM node:24.22.3-bookworm-slim AS web
WORKDIR /web
COPY package.json ./pins.json
RUN node -e "const p = require('./pins.json'), v = { ...p.dependencies, ...p.devDependencies }; \
      const names = ['vite', 'typescript', 'lightweight-charts', 'graphql-ws', 'graphql']; \
      require('fs').writeFileSync('package.json', JSON.stringify({ private: true, dependencies: Object.fromEntries(names.map((n) => [n, v[n]])) }))" \
 && npm install --no-audit --no-fund
COPY web ./web
RUN npx tsc -p web/tsconfig.json && npx vite build web --config web/vite.config.ts

# Production dependencies only, from the lock.
FROM node:24.22.3-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev --omit=optional

FROM node:24.22.3-bookworm-slim
# PATH: the `marketgraph` command (docker compose exec gateway marketgraph keys create …).
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 SEED_DEMO_DATA=false PATH=/app/bin:$PATH
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Served at `/`; src/http/web-page.ts finds it beside the compiled modules, as it finds schema/.
COPY --from=web /web/web/dist ./dist/web/dist
# The SDL, the migrations and package.json are read at run time, relative to the compiled
# modules. A module migration's .ts stays beside its compiled .js: its text is the checksum.
COPY schema ./dist/schema
COPY migrations ./dist/migrations
COPY package.json ./dist/package.json
# bin/marketgraph.mjs runs dist/ when there is no src/ beside it; `marketgraph` is on PATH.
COPY bin ./bin
RUN ln -s marketgraph.mjs bin/marketgraph
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# One SIGTERM (docker stop) drains and exits 0: src/serve.ts.
CMD ["node", "dist/src/main.js"]
