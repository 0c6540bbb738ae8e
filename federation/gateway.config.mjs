// Hive Gateway configuration for grunndata's supergraph (see docs/federation.md).
//
//   npx hive-gateway supergraph ../supergraph.graphql --config-path gateway.config.mjs --port 4000
//
// The caller's Authorization, X-Request-Id and Behandlingsgrunnlag headers go on to every
// subgraph request, so each register decides access on the caller's own credentials.
// Subscriptions: clients connect with graphql-transport-ws on /graphql; the gateway opens
// its own WebSocket to the subgraph serving the field, and the client's connection_init
// payload (its authorization and behandlingsgrunnlag) goes on in that socket's
// connection_init (docs/feed.md).
import { defineConfig } from "@graphql-hive/gateway";

const FORWARDED = ["authorization", "x-request-id", "behandlingsgrunnlag"];
const FROM_CONNECTION_INIT = Object.fromEntries(
  ["authorization", "Authorization", "behandlingsgrunnlag", "Behandlingsgrunnlag"].map(
    (name) => [name, `{context.connectionParams.${name}}`],
  ),
);

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
  transportEntries: {
    "*.http": {
      options: {
        subscriptions: {
          kind: "ws",
          location: "/graphql",
          options: { connectionParams: FROM_CONNECTION_INIT },
        },
      },
    },
  },
  landingPage: false,
});
