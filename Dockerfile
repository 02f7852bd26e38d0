# The worker image for docker-compose.yml (or any container platform). Our machines cannot build
# it (no Docker engine); CI checks docker-compose.yml, which refers to it, parses.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
USER node
# tsx runs the TypeScript sources directly, as `npm run worker` does.
CMD ["node", "--import", "tsx", "src/worker.ts"]
