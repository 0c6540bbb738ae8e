# Hive Gateway in front of grunndata's subgraphs, one per register (docker compose --profile federated).
# At start it asks each subgraph for its SDL, composes the supergraph
# (@theguild/federation-composition) and serves it; versions pinned in package-lock.json.
FROM node:20-slim

WORKDIR /gateway
COPY federation/package.json federation/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY federation/compose.mjs federation/gateway.config.mjs ./

USER node
EXPOSE 4000
# SUBGRAPHS ("name=url ..."): set by docker-compose.yml, whose subgraph services and gateway
# are generated from the registry (python -m grunndata.composefile).
ENV SUBGRAPHS=""
CMD ["sh", "-c", "node compose.mjs --fetch $SUBGRAPHS > /tmp/supergraph.graphql && exec node_modules/.bin/hive-gateway supergraph /tmp/supergraph.graphql --config-path gateway.config.mjs --host 0.0.0.0 --port 4000"]
