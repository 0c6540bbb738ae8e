// grunndata's property map: MapLibre GL JS over the server's own vector tiles, a search
// box (the GraphQL address search), and a panel for the selected property. Everything
// comes from this server; the background is a style given by the server (none by default).
"use strict";

const root = document.getElementById("kart");
const panel = document.getElementById("panel");
const input = document.getElementById("sok");
const list = document.getElementById("forslag");
const basemap = root.dataset.basemap || "";
const origin = window.location.origin;

const ownStyle = {
  version: 8,
  sources: {},
  layers: [{ id: "bakgrunn", type: "background", paint: { "background-color": "#f4f1ea" } }],
};

const map = new maplibregl.Map({
  container: "kart",
  style: basemap || ownStyle,
  center: [10.5, 63.0],
  zoom: 4,
  maxZoom: 20,
  attributionControl: { compact: true, customAttribution: "Matrikkelen (grunndata)" },
});
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
window.grunndataKart = map; // for the browser test and the curious

// How the layers the server declares are drawn: by the dimension of their geometry.
const PALETTE = ["#7aa66b", "#8a3b12", "#1d4f91", "#6b4c9a", "#b5651d"];
const clickable = []; // the polygon layers: a click on one selects its property

// The layers come from the server's tileset metadata (the collections the registers
// declare as tiles), not from this script: polygons as fill and outline, points as dots.
async function addTileLayers() {
  const response = await fetch(`${origin}/tiles/WebMercatorQuad`);
  const tileset = await response.json();
  map.addSource("fliser", { type: "vector", url: `${origin}/tiles/WebMercatorQuad/tilejson.json` });
  tileset.layers.forEach((layer, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const common = { source: "fliser", "source-layer": layer.id };
    if (layer.geometryDimension === 2) {
      map.addLayer({ id: layer.id, type: "fill", ...common,
        paint: { "fill-color": colour, "fill-opacity": 0.25 } });
      map.addLayer({ id: `${layer.id}-grenser`, type: "line", ...common,
        paint: { "line-color": colour, "line-width": 1 } });
      clickable.push(layer.id);
    } else {
      map.addLayer({ id: layer.id, type: "circle", ...common,
        paint: { "circle-color": colour, "circle-radius": 3.5 } });
    }
  });
}

map.on("load", async () => {
  map.addSource("valgt", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  await addTileLayers();
  map.addLayer({ id: "valgt", type: "line", source: "valgt",
    paint: { "line-color": "#d40000", "line-width": 3 } });
  map.addLayer({ id: "valgt-flate", type: "fill", source: "valgt",
    paint: { "fill-color": "#d40000", "fill-opacity": 0.15 } });
  openPermalink();
});

map.on("click", (event) => {
  if (!clickable.length) return;
  const hits = map.queryRenderedFeatures(event.point, { layers: clickable })
    .filter((hit) => hit.properties.matrikkelnummer);
  if (hits.length) {
    input.value = "";
    select(hits[0].properties.matrikkelnummer, [event.lngLat.lng, event.lngLat.lat]);
  }
});
map.on("mousemove", (event) => {
  const over = clickable.length > 0 && map.queryRenderedFeatures(event.point, { layers: clickable }).length > 0;
  map.getCanvas().style.cursor = over ? "pointer" : "";
});

async function graphql(query, variables) {
  const response = await fetch(`${origin}/graphql`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()).data;
}

const SOK = `query Sok($tekst: String!) { adresser(sok: $tekst, first: 8) { edges { node {
  adressetekst postnummer poststed matrikkelnummer representasjonspunkt } } } }`;
let pending = 0;

input.addEventListener("input", async () => {
  const text = input.value.trim();
  const asked = ++pending;
  if (text.length < 3) { showSuggestions([]); return; }
  const data = await graphql(SOK, { tekst: text });
  if (asked !== pending) return; // a later keystroke has its own answer coming
  showSuggestions((data && data.adresser ? data.adresser.edges : []).map((e) => e.node));
});
input.addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown" && list.firstElementChild) {
    event.preventDefault();
    list.firstElementChild.querySelector("button").focus();
  }
});
list.addEventListener("keydown", (event) => {
  const item = event.target.closest("li");
  if (!item) return;
  if (event.key === "ArrowDown" && item.nextElementSibling) {
    event.preventDefault(); item.nextElementSibling.querySelector("button").focus();
  } else if (event.key === "ArrowUp") {
    event.preventDefault();
    (item.previousElementSibling ? item.previousElementSibling.querySelector("button") : input).focus();
  } else if (event.key === "Escape") {
    showSuggestions([]); input.focus();
  }
});

function showSuggestions(addresses) {
  list.replaceChildren(...addresses.map((address) => {
    const item = document.createElement("li");
    item.setAttribute("role", "option");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "forslag";
    button.textContent = `${address.adressetekst}, ${address.postnummer || ""} ${address.poststed || ""}`;
    button.addEventListener("click", () => {
      input.value = address.adressetekst;
      showSuggestions([]);
      const point = address.representasjonspunkt ? address.representasjonspunkt.coordinates : null;
      if (address.matrikkelnummer) select(address.matrikkelnummer, point, address.adressetekst);
    });
    item.append(button);
    return item;
  }));
  input.setAttribute("aria-expanded", addresses.length ? "true" : "false");
}

const EIENDOM = `query Eiendom($m: String!) { eiendom(matrikkelnummer: $m) {
  matrikkelnummer type status arealM2 geometri
  adresser { adressetekst } bygninger { bygningsnummer bygningstype }
  hjemmelshavere { navn } } }`;

async function select(matrikkelnummer, point, adresse) {
  const data = await graphql(EIENDOM, { m: matrikkelnummer });
  const eiendom = data && data.eiendom;
  if (!eiendom) { panel.textContent = `Fant ingen eiendom ${matrikkelnummer}.`; return; }
  const feature = { type: "Feature", geometry: eiendom.geometri, properties: {} };
  map.getSource("valgt").setData({ type: "FeatureCollection", features: eiendom.geometri ? [feature] : [] });
  if (eiendom.geometri) {
    const bounds = new maplibregl.LngLatBounds();
    eachCoordinate(eiendom.geometri.coordinates, (c) => bounds.extend(c));
    if (!point) point = bounds.getCenter().toArray();
    if (!map.getBounds().contains(bounds.getNorthEast()) || !map.getBounds().contains(bounds.getSouthWest()) || map.getZoom() < 15) {
      map.fitBounds(bounds, { padding: 60, maxZoom: 18, duration: 0 });
    }
  }
  showPanel(eiendom, point);
  const search = adresse ? `?adresse=${encodeURIComponent(adresse)}` : `?matrikkelnummer=${encodeURIComponent(eiendom.matrikkelnummer)}`;
  history.replaceState(null, "", `/kart${search}`);
}

function eachCoordinate(nested, visit) {
  if (typeof nested[0] === "number") { visit(nested); return; }
  for (const inner of nested) eachCoordinate(inner, visit);
}

function showPanel(eiendom, point) {
  const feature = `${origin}/ogc/collections/matrikkelenheter/items/${eiendom.matrikkelnummer}`;
  const rows = [
    ["Matrikkelnummer", eiendom.matrikkelnummer],
    ["Type", eiendom.type], ["Status", eiendom.status],
    ["Areal", eiendom.arealM2 != null ? `${Math.round(eiendom.arealM2).toLocaleString("nb-NO")} m²` : "ukjent"],
    ["Adresser", eiendom.adresser.map((a) => a.adressetekst).join(", ") || "ingen"],
    ["Bygninger", eiendom.bygninger.map((b) => `${b.bygningsnummer} (${b.bygningstype || "?"})`).join(", ") || "ingen"],
    ["Hjemmelshavere", eiendom.hjemmelshavere.map((h) => h.navn).filter(Boolean).join(", ") || "ingen oppgitt"],
  ];
  if (point) {
    const [e, n] = utm33(point[0], point[1]);
    rows.push(["EPSG:25833 (Ø, N)", `${e.toFixed(2)}, ${n.toFixed(2)}`]);
    rows.push(["EPSG:4326 (bredde, lengde)", `${point[1].toFixed(7)}, ${point[0].toFixed(7)}`]);
  }
  const table = document.createElement("dl");
  for (const [name, value] of rows) {
    const term = document.createElement("dt"); term.textContent = name;
    const detail = document.createElement("dd"); detail.textContent = value;
    if (name === "Matrikkelnummer") detail.id = "valgt-matrikkelnummer";
    table.append(term, detail);
  }
  const links = document.createElement("p");
  links.append(link(`${feature}?f=html`, "Vis i OGC API"), " · ",
    link(`${feature}?f=json`, "Last ned GeoJSON", `${eiendom.matrikkelnummer.replaceAll("/", "-")}.geojson`));
  const heading = document.createElement("h2"); heading.textContent = "Valgt eiendom";
  panel.replaceChildren(heading, table, links);
}

function link(href, text, download) {
  const a = document.createElement("a");
  a.href = href; a.textContent = text;
  if (download) a.download = download;
  return a;
}

// EPSG:25833 (UTM zone 33, GRS80) from longitude/latitude: Krüger's series (to n³),
// well under a millimetre inside Norway.
function utm33(lon, lat) {
  const a = 6378137, f = 1 / 298.257222101, k0 = 0.9996, lon0 = 15 * Math.PI / 180;
  const n = f / (2 - f), A = a / (1 + n) * (1 + n * n / 4 + n ** 4 / 64);
  const alpha = [n / 2 - 2 * n * n / 3 + 5 * n ** 3 / 16, 13 * n * n / 48 - 3 * n ** 3 / 5, 61 * n ** 3 / 240];
  const phi = lat * Math.PI / 180, dl = lon * Math.PI / 180 - lon0, c = 2 * Math.sqrt(n) / (1 + n);
  const t = Math.sinh(Math.atanh(Math.sin(phi)) - c * Math.atanh(c * Math.sin(phi)));
  const xi = Math.atan(t / Math.cos(dl)), eta = Math.atanh(Math.sin(dl) / Math.sqrt(1 + t * t));
  let e = eta, nn = xi;
  for (let j = 1; j <= 3; j++) {
    e += alpha[j - 1] * Math.cos(2 * j * xi) * Math.sinh(2 * j * eta);
    nn += alpha[j - 1] * Math.sin(2 * j * xi) * Math.cosh(2 * j * eta);
  }
  return [500000 + k0 * A * e, k0 * A * nn];
}

async function openPermalink() {
  const query = new URLSearchParams(window.location.search);
  if (query.get("matrikkelnummer")) {
    select(query.get("matrikkelnummer"), null);
  } else if (query.get("adresse")) {
    const data = await graphql(SOK, { tekst: query.get("adresse") });
    const first = data && data.adresser.edges[0];
    if (first && first.node.matrikkelnummer) {
      input.value = first.node.adressetekst;
      select(first.node.matrikkelnummer, first.node.representasjonspunkt.coordinates, first.node.adressetekst);
    }
  }
}
