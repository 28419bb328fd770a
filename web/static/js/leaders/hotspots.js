/* gridgov leaders' hotspot map (/leaders; ES module): folium set the map up with the groups
 * `hotspots` and `emerging`; this fills them from GET /api/v1/hotspots and
 * /api/v1/hotspots/emerging (GeoJSON per grid, WGS84, shifted to the basemap's datum) with
 * the filters of the panel, and draws each answer's legend. Names and labels from data go
 * through esc() (tooltips) or textContent. */

import { mapContext, untouched } from "../lib/foliummap.js";
import { api, errorText } from "../lib/http.js";
import { esc, number } from "../lib/text.js";
import { $, el } from "../lib/dom.js";

const NARROW = window.matchMedia("(max-width: 575.98px)");
const ctx = mapContext();
const form = $("hotspot-filters");
const drawn = { hotspots: null, emerging: null };

/** Return the query string of the panel's filters (empty fields left out). */
function query() {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (v) params.set(k, v);
  return params.toString();
}

function colourOf(legend, key, value) {
  const row = legend.find((r) => r[key] === value);
  return row ? row.color : "#eeeeea";
}

function tooltip(p, kind) {
  const head = "<strong>" + esc(p.name) + "</strong> <span class=\"grid-code\">" +
    esc(p.code) + "</span><br>";
  const detail = kind === "hotspots"
    ? "诉求 " + esc(number(p.count)) + " 件 · Gi* z = " + esc(Number(p.gi_z).toFixed(2))
    : "诉求 " + esc(number(p.count)) + " 件 · 热点 " + esc(p.hot_weeks) + " 周";
  return head + esc(p.label) + "<br>" + detail;
}

function draw(kind, data) {
  const key = kind === "hotspots" ? "confidence" : "pattern";
  if (drawn[kind]) ctx.groups[kind].removeLayer(drawn[kind]);
  drawn[kind] = L.geoJSON(ctx.shown.geojson(data), {
    style: (f) => ({ color: "#666666", weight: 0.5, fillOpacity: 0.75,
                     fillColor: colourOf(data.legend, key, f.properties[key]) }),
    onEachFeature: (f, layer) => layer.bindTooltip(tooltip(f.properties, kind),
                                                   { sticky: true }),
  }).addTo(ctx.groups[kind]);
  if (untouched(ctx) && drawn[kind].getBounds().isValid()) { // the first answer frames the map
    const panel = $("hotspot-panel");
    const right = panel.open && !NARROW.matches ? panel.offsetWidth + 20 : 0;
    ctx.map.fitBounds(drawn[kind].getBounds(), { paddingBottomRight: [right, 0] });
  }
}

function legendBox(box, title, rows, key) {
  box.replaceChildren(el("div", "fw-semibold", title));
  for (const r of rows.filter((row) => row.grids === undefined || row.grids > 0)) {
    const line = el("div");
    const swatch = el("span", "swatch");
    swatch.style.background = r.color;
    line.append(swatch, r.label + (r.grids !== undefined ? "（" + r.grids + " 个网格）" : ""));
    if (r.rule) line.title = r.rule;
    box.appendChild(line);
  }
  box.hidden = false;
  box.dataset.kind = key;
}

async function load(kind) {
  const url = ctx.config.urls[kind] + "?" + query();
  $("hotspot-status").textContent = "正在计算…";
  const res = await api("GET", url).catch(() => null);
  if (!res || !res.ok) {
    $("hotspot-status").textContent = res ? errorText(res, "分析未完成：") : "网络错误";
    return;
  }
  draw(kind, res.data);
  const box = $(kind === "hotspots" ? "hotspot-legend" : "emerging-legend");
  legendBox(box, kind === "hotspots" ? "热点（Gi*，FDR 校正）" : "新兴热点（近 " +
            res.data.weeks + " 周）", res.data.legend, kind);
  $("hotspot-method").textContent = res.data.method;
  const warn = res.data.warning ? " · " + res.data.warning : "";
  $("hotspot-status").textContent = "共 " + number(res.data.total) + " 件诉求" + warn;
}

async function categories() {
  const res = await api("GET", ctx.config.urls.categories).catch(() => null);
  if (!res || !res.ok) return;
  const select = $("hs-category");
  for (const c of res.data) {
    const opt = el("option", "", (c.parent_code ? "　" : "") + c.name);
    opt.value = c.code;
    select.appendChild(opt);
  }
}

function shown(kind) {
  return ctx.map.hasLayer(ctx.groups[kind]);
}

form.addEventListener("change", () => {
  for (const kind of Object.keys(drawn)) if (shown(kind)) load(kind);
});
ctx.map.on("overlayadd", (e) => {
  if (e.layer === ctx.groups.emerging) load("emerging");
});
if (!NARROW.matches) $("hotspot-panel").open = true;
categories();
load("hotspots");
