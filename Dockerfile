# marketgraph for servers: the gateway without the embedded engines (chdb alone is ~540 MB).
# Point it at PostgreSQL, ClickHouse, Redis/Dragonfly and Redpanda/Kafka with the *_URL variables.

# npm's `prepare` script (npm run build:web) skips itself in this stage and the next: it runs only
# where both Vite and web/ are present, and here web/ is not copied, in `deps` Vite (a dev
# dependency) is not installed. The page is built in its own stage, `web`, below.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund --omit=optional
COPY tsconfig.json tsconfig.build.json ./
COPY schema ./schema
COPY src ./src
# Not `npm run build`, which builds the page too.
RUN npx tsc -p tsconfig.build.json

# The market page (web/dist). --omit=optional above would also leave out Vite's bundler, a
# platform-specific optional package, so this stage installs only what the page's build needs,
# at the versions package.json names.
FROM node:20-bookworm-slim AS web
WORKDIR /web
COPY package.json /tmp/package.json
RUN npm install --no-audit --no-fund $(node -p "const p = require('/tmp/package.json'), v = { ...p.dependencies, ...p.devDependencies }; \
      ['vite', 'typescript', 'lightweight-charts', 'graphql-ws', 'graphql'].map((n) => n + '@' + v[n]).join(' ')")
COPY web ./web
RUN npx tsc -p web/tsconfig.json && npx vite build web --config web/vite.config.ts

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund --omit=dev --omit=optional && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 SEED_DEMO_DATA=false
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Served at `/`; src/http/web-page.ts finds it beside the compiled modules, as it finds schema/.
COPY --from=web /web/web/dist ./dist/web/dist
# The SDL, the migrations and package.json are read at run time, relative to the compiled modules.
COPY schema ./dist/schema
COPY migrations ./dist/migrations
COPY package.json ./dist/package.json
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
