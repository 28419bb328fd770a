/* gridgov leaders' map (/leaders; ES module): the choropleth in the group `choropleth`, from
 * GET /api/v1/choropleth (GeoJSON per grid / community / street, WGS84, shifted to the
 * basemap's datum; value, class, breaks and a legend naming the classification method).
 * Loaded when the layer is ticked, reloaded when a filter or the measure changes. Names go
 * through esc() (tooltips) or textContent. */

import { mapContext } from "../lib/foliummap.js";
import { api, errorText } from "../lib/http.js";
import { esc, number } from "../lib/text.js";
import { $, el } from "../lib/dom.js";
import { filterForm, query } from "./filters.js";

const ctx = mapContext();
const form = $("choropleth-form");
const box = $("choropleth-legend");
const RATES = ["on_time_rate", "satisfaction_rate"];
let drawn = null;

function shown() {
  return ctx.map.hasLayer(ctx.groups.choropleth);
}

function valueText(data, value) {
  if (value === null || value === undefined) return "无数据";
  if (RATES.includes(data.measure)) return (value * 100).toFixed(1) + "%";
  return data.measure === "per_1000" ? Number(value).toFixed(2) : number(value);
}

function colour(data, cls) {
  return cls === null || cls === undefined ? data.no_data.color : data.legend[cls].color;
}

function draw(data) {
  if (drawn) ctx.groups.choropleth.removeLayer(drawn);
  drawn = L.geoJSON(ctx.shown.geojson(data), {
    style: (f) => ({ color: "#555555", weight: data.level === "grid" ? 0.4 : 1,
                     fillOpacity: 0.8, fillColor: colour(data, f.properties.class) }),
    onEachFeature: (f, lyr) => lyr.bindTooltip(
      "<strong>" + esc(f.properties.name) + "</strong> <span class=\"grid-code\">" +
      esc(f.properties.code) + "</span><br>" + esc(data.measure_label) + "：" +
      esc(valueText(data, f.properties.value)), { sticky: true }),
  }).addTo(ctx.groups.choropleth);
}

function row(color, text) {
  const line = el("div");
  const swatch = el("span", "swatch");
  swatch.style.background = color;
  line.append(swatch, text);
  return line;
}

function legend(data) {
  box.replaceChildren(el("div", "fw-semibold", data.title));
  for (const r of data.legend) box.appendChild(row(r.color, r.label + "（" + r.units + "）"));
  if (data.no_data.units) {
    box.appendChild(row(data.no_data.color, data.no_data.label + "（" + data.no_data.units + "）"));
  }
}

async function load() {
  if (!shown()) {
    box.replaceChildren(el("div", "text-muted", "在图层中勾选“分级设色”后显示。"));
    return;
  }
  box.replaceChildren(el("div", "text-muted", "正在统计…"));
  const extra = Object.fromEntries(new FormData(form));
  const res = await api("GET", ctx.config.urls.choropleth + "?" + query(extra))
    .catch(() => null);
  if (!res || !res.ok) {
    box.replaceChildren(el("div", "text-danger",
                           res ? errorText(res, "分级设色未完成：") : "网络错误"));
    return;
  }
  draw(res.data);
  legend(res.data);
}

form.addEventListener("change", load);
filterForm().addEventListener("change", load);
ctx.map.on("overlayadd", (e) => { if (e.layer === ctx.groups.choropleth) load(); });
load();
