// Composes grunndata's subgraph SDLs into a Federation v2 supergraph SDL.
//
// Input (stdin): JSON [{"name": "...", "url": "http://.../graphql", "sdl": "..."}, ...]
// Output: the supergraph SDL on stdout; composition errors on stderr, exit code 1.
// `grunndata supergraph` runs this; see docs/federation.md.
import { readFileSync } from "node:fs";
import { parse } from "graphql";
import { composeServices, compositionHasErrors } from "@theguild/federation-composition";

const subgraphs = JSON.parse(readFileSync(0, "utf8"));
const result = composeServices(
  subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })),
);
if (compositionHasErrors(result)) {
  for (const error of result.errors) {
    console.error(`composition: ${error.message}`);
  }
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
