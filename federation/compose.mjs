// Composes grunndata's subgraph SDLs into a Federation v2 supergraph SDL, printed on stdout
// (composition errors on stderr, exit code 1). See docs/federation.md.
//
//   node compose.mjs < subgraphs.json
//       stdin: [{"name": "...", "url": "http://.../graphql", "sdl": "..."}, ...]
//       (what `grunndata supergraph` sends: the SDLs built in-process)
//   node compose.mjs --fetch folkeregister=http://folkeregister:8000/graphql ...
//       asks each running subgraph for its SDL (`_service { sdl }`), waiting up to a
//       minute for it to answer (the gateway container composes this way at start)
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { parse } from "graphql";
import { composeServices, compositionHasErrors } from "@theguild/federation-composition";

const WAIT_MS = 60_000;

async function fetchSdl(url) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ _service { sdl } }" }),
      });
      const body = await response.json();
      if (body?.data?._service?.sdl) return body.data._service.sdl;
      throw new Error(JSON.stringify(body.errors ?? body));
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${url}: no SDL (${error.message})`);
      await sleep(1000);
    }
  }
}

async function subgraphs(args) {
  if (args[0] !== "--fetch") return JSON.parse(readFileSync(0, "utf8"));
  return Promise.all(
    args.slice(1).map(async (entry) => {
      const [name, url] = [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)];
      if (!name || !/^https?:\/\//.test(url)) throw new Error(`expected NAME=URL, got ${entry}`);
      return { name, url, sdl: await fetchSdl(url) };
    }),
  );
}

try {
  const services = await subgraphs(process.argv.slice(2));
  const result = composeServices(
    services.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })),
  );
  if (compositionHasErrors(result)) {
    for (const error of result.errors) console.error(`composition: ${error.message}`);
    process.exit(1);
  }
  process.stdout.write(result.supergraphSdl);
} catch (error) {
  console.error(`compose: ${error.message}`);
  process.exit(1);
}
