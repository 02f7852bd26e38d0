# The worker image (also the CLI and the codec server, by another command): compiled JavaScript
# and production dependencies only. .dockerignore keeps the build context to what the production
# build reads, so the simulators (dev/), the bench, the tests and local state never enter it.
# Our machines have no Docker engine; test/unit/docker-image.test.ts checks this file and the ignore list.

FROM node:20-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
# tsc for dist/*.js, then the workflow code bundled once (dist/workflow-bundle.js).
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error && npm cache clean --force
COPY --from=build /build/dist ./dist
COPY bin ./bin
USER node
# Metrics (METRICS_ADDRESS; bind 0.0.0.0:9464 in a container to scrape it from outside).
EXPOSE 9464
CMD ["node", "dist/worker.js"]
