# One image for the server, the bot and the terminal client (docker-compose.yml picks the command).
# Node 20 on Debian bookworm slim: blessed needs the terminfo that Debian ships.

# deps: every dependency, dev ones included (tsc builds from them)
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY server/package.json server/
COPY bot/package.json bot/
COPY client-tui/package.json client-tui/
RUN npm ci --no-audit --no-fund

# build: TypeScript to dist/
FROM deps AS build
COPY tsconfig.base.json tsconfig.build.json ./
COPY shared/src shared/src
COPY server/src server/src
COPY bot/src bot/src
COPY bot/quotes.txt bot/quotes.txt
COPY client-tui/src client-tui/src
RUN npm run build

# runtime: production dependencies and the built output only, as the unprivileged node user
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY server/package.json server/
COPY bot/package.json bot/
COPY client-tui/package.json client-tui/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 4000 4001
# No curl in the image: node asks the server's own /healthz.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.CHAT_WS_PORT || 4001) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server/src/main.js"]
