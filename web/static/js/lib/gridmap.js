/* gridgov grid map (ES module): the grid layer (escaped tooltips and popups, hover, search),
 * district outlines and rivers — layer modules {key, addTo(ctx)} for foliummap.js. Every text
 * that comes from data goes through esc() before it becomes HTML. */

import { esc, fill, number } from "./text.js";
import { layerData, untouched } from "./foliummap.js";
import { GRID_HOVER, districtStyle, gridStyle, riverStyle } from "./styles.js";

const NO_LOOKUPS = { communities: {}, streets: {}, districts: {} };

/** Return an area for people: square metres, or square kilometres when large. */
export function area(m2) {
  if (m2 === null || m2 === undefined) return "—";
  return m2 >= 100000 ? (m2 / 1e6).toFixed(2) + " 平方千米" : number(m2) + " 平方米";
}

function parents(lookups, code) {
  const street = lookups.streets[code.slice(0, 9)] || {};
  return { community: lookups.communities[code.slice(0, 12)], street: street.name,
           district: lookups.districts[code.slice(0, 6)] };
}

/** Return a grid's tooltip HTML (name and code, escaped). */
export function tooltipHtml(p) {
  return "<strong>" + esc(p.name) + "</strong><br><span class=\"grid-code\">" + esc(p.code) + "</span>";
}

function row(label, value) {
  return "<tr><th>" + esc(label) + "</th><td>" + esc(value) + "</td></tr>";
}

/** Return a grid's popup HTML (escaped): its parents from `lookups`, attributes, a link to
 * its page (`gridUrl` with a '__code__' slot). */
export function popupHtml(p, lookups, gridUrl) {
  const up = parents(lookups || NO_LOOKUPS, p.code);
  return "<div class=\"grid-popup\"><div class=\"grid-popup-title\">" + esc(p.name) + "</div>" +
    "<table>" + row("网格编码", p.code) + row("所属社区", up.community) + row("所属街道", up.street) +
    row("所属区县", up.district) + row("网格类型", p.kind) + row("面积", area(p.area_m2)) +
    row("户数", number(p.households)) + row("人口", number(p.population)) + "</table>" +
    "<a href=\"" + esc(fill(gridUrl || "/grids/__code__", p.code)) + "\">查看网格详情 »</a></div>";
}

/** Draw the grid layer data (WGS84, with lookups) into `group` in the map's datum; `style`
 * (feature → style) defaults to the street colours around config.focus. Returns the layer. */
export function drawGrids(ctx, data, style) {
  const lookups = data.lookups || NO_LOOKUPS;
  const styleOf = style || ((f) => gridStyle(f, ctx.config.focus));
  const layer = L.geoJSON(ctx.shown.geojson(data), {
    style: styleOf, className: "grid-cell",
    onEachFeature(feature, cell) {
      cell.bindTooltip(() => tooltipHtml(feature.properties), { sticky: true });
      cell.bindPopup(() => popupHtml(feature.properties, lookups, ctx.config.gridUrl),
                     { maxWidth: 320 });
      cell.on("mouseover", () => cell.setStyle(GRID_HOVER));
      cell.on("mouseout", () => cell.setStyle(styleOf(feature)));
    },
  });
  layer.addTo(ctx.groups.grids);
  ctx.layers.grids = layer;
  return layer;
}

/** Fit the view to the focused grid (config.focus) or else to every grid drawn — unless the
 * map was moved before the grids arrived. */
export function fitGrids(ctx, layer) {
  if (!untouched(ctx)) return;
  const focused = layer.getLayers().filter((c) => c.feature.properties.code === ctx.config.focus);
  if (focused.length) ctx.map.fitBounds(L.featureGroup(focused).getBounds(), { padding: [30, 30] });
  else if (layer.getLayers().length) ctx.map.fitBounds(layer.getBounds());
}

/** Return up to 20 grid cells whose code or name contains `query`. */
export function matches(cells, query) {
  const q = query.trim();
  if (!q) return [];
  return cells.filter((c) => c.feature.properties.code.includes(q) ||
                             c.feature.properties.name.includes(q)).slice(0, 20);
}

/** Show a grid cell: its group on, the view on it, its popup open. */
export function show(ctx, cell) {
  if (!ctx.map.hasLayer(ctx.groups.grids)) ctx.map.addLayer(ctx.groups.grids);
  ctx.map.fitBounds(cell.getBounds(), { maxZoom: 16, padding: [40, 40] });
  cell.openPopup(cell.getBounds().getCenter());
}

function renderResults(ctx, list, found, query) {
  list.textContent = "";
  found.forEach((cell) => {
    const p = cell.feature.properties;
    const item = document.createElement("button");
    item.type = "button";
    item.className = "list-group-item list-group-item-action py-1";
    item.textContent = p.name + "　" + p.code;
    item.addEventListener("click", () => show(ctx, cell));
    list.appendChild(item);
  });
  if (!found.length && query.trim()) {
    const none = document.createElement("div");
    none.className = "list-group-item text-muted py-1";
    none.textContent = "没有匹配的网格";
    list.appendChild(none);
  }
}

/** Wire the page's grid search box (#grid-search, #grid-search-results), if it has one. */
export function attachSearch(ctx, layer) {
  const input = document.getElementById("grid-search");
  const list = document.getElementById("grid-search-results");
  if (!input || !list) return;
  const cells = layer.getLayers();
  input.addEventListener("input", () => renderResults(ctx, list, matches(cells, input.value),
                                                      input.value));
  if (input.form) {
    input.form.addEventListener("submit", (e) => {
      e.preventDefault();
      const found = matches(cells, input.value);
      if (found.length) show(ctx, found[0]);
    });
  }
}

/** The grid layer of a page: drawn, fitted, searchable. */
export const grids = {
  key: "grids",
  async addTo(ctx) {
    const layer = drawGrids(ctx, await layerData(ctx.config.urls.grids));
    fitGrids(ctx, layer);
    attachSearch(ctx, layer);
  },
};

/** The district outlines (not interactive). */
export const districts = {
  key: "districts",
  async addTo(ctx) {
    const data = ctx.shown.geojson(await layerData(ctx.config.urls.districts));
    ctx.layers.districts = L.geoJSON(data, { style: districtStyle, interactive: false })
      .addTo(ctx.groups.districts);
  },
};

/** The rivers, with their names as tooltips. */
export const rivers = {
  key: "rivers",
  async addTo(ctx) {
    const data = ctx.shown.geojson(await layerData(ctx.config.urls.rivers));
    ctx.layers.rivers = L.geoJSON(data, {
      style: riverStyle,
      onEachFeature(feature, line) {
        const p = feature.properties;
        line.bindTooltip(() => esc(p.name) + (p.synthetic ? "（示意走向）" : ""), { sticky: true });
      },
    }).addTo(ctx.groups.rivers);
  },
};
