// Hive Gateway configuration for grunndata's supergraph (see docs/federation.md).
//
//   npx hive-gateway supergraph ../supergraph.graphql --config-path gateway.config.mjs --port 4000
//
// The caller's Authorization, X-Request-Id and Behandlingsgrunnlag headers go on to every
// subgraph request, so each register decides access on the caller's own credentials.
import { defineConfig } from "@graphql-hive/gateway";

const FORWARDED = ["authorization", "x-request-id", "behandlingsgrunnlag"];

export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      const headers = {};
      for (const name of FORWARDED) {
        const value = request.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      return headers;
    },
  },
  // Subgraph errors (with their extensions.code) reach the caller as they are.
  maskedErrors: false,
  // Only the supergraph given on the command line; nothing fetched from the Internet.
  pollingInterval: 0,
  disableWebsockets: true,
  landingPage: false,
});
