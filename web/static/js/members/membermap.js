/* gridgov member map (网格力量, staff only; ES module): on-duty members as canvas circle
 * markers per kind, stale positions greyed, coverage gaps highlighted on the grid layer.
 * folium set the map up (web/members/maps.py); the grid layer and the members' layer data
 * (coverage, and every member up to the embed threshold) come by URL, WGS84, drawn in the
 * map's datum; above the threshold members are fetched for the viewport on load and on
 * moveend (debounced; a newer request aborts the previous one). Text from data is escaped. */

import { esc } from "../lib/text.js";
import { fromCrs } from "../lib/datum.js";
import { layerData, mapContext } from "../lib/foliummap.js";
import { drawGrids, fitGrids } from "../lib/gridmap.js";
import { gridStyle } from "../lib/styles.js";

const STALE = "#757575";
const DEBOUNCE_MS = 300;
const state = { ctx: null, grids: null, kinds: [], groups: {}, coverage: {}, noRider: {},
                department: "", rider: false, markers: {}, timer: null, pending: null };

function set(codes) {
  return Object.fromEntries((codes || []).map((c) => [c, true]));
}

/* Smaller dots at city zoom, so thousands of members do not hide the grids. */
function scale() {
  const z = state.ctx ? state.ctx.map.getZoom() : 12;
  return z >= 14 ? 1 : z >= 12 ? 0.7 : 0.45;
}

function markerStyle(kind, stale) {
  /* Stale: a grey dashed ring around a faded fill of the kind's colour (still tells the kind). */
  return {
    radius: kind.radius * scale(), color: stale ? STALE : kind.color, weight: 1,
    opacity: stale ? 0.9 : 1, fillColor: kind.color, fillOpacity: stale ? 0.2 : 0.85,
    dashArray: stale ? "2 2" : null,
  };
}

/** Return a member's popup HTML (escaped) from its compact row. */
export function popupHtml(kind, p) {
  const age = p[5] === null ? "无位置时间" : p[5] + " 分钟前";
  return "<div class=\"grid-popup\"><div class=\"grid-popup-title\">" + esc(p[6] || "") +
    "</div><table><tr><th>类别</th><td>" + esc(kind.label) + "</td></tr>" +
    "<tr><th>位置上报</th><td>" + esc(age) + (p[3] ? "（已过时）" : "") + "</td></tr>" +
    "<tr><th>编号</th><td>" + esc(p[4]) + "</td></tr></table></div>";
}

function placeMarker(p, kind, at) {
  let marker = state.markers[p[4]];
  if (marker && marker.kind !== kind) {
    state.groups[marker.kind.kind].removeLayer(marker);
    marker = null;
  }
  if (marker) {
    marker.setLatLng(at);
    marker.setStyle(markerStyle(kind, p[3]));
  } else {
    marker = L.circleMarker(at, markerStyle(kind, p[3]));
    marker.kind = kind;
    marker.bindPopup(() => popupHtml(kind, marker.point));
    state.groups[kind.kind].addLayer(marker);
    state.markers[p[4]] = marker;
  }
  marker.point = p;
}

/* Draw compact rows [lon, lat, kind index, stale 0/1, id, age_min, name] (WGS84): members no
 * longer listed are removed, the others moved and restyled in place (an open popup stays
 * open), new ones added. */
function draw(points) {
  const seen = {};
  points.forEach((p) => {
    const kind = state.kinds[p[2]];
    if (!kind) return;
    placeMarker(p, kind, state.ctx.shown.latLng(p[1], p[0]));
    seen[p[4]] = true;
  });
  Object.keys(state.markers).forEach((id) => {
    if (seen[id]) return;
    state.groups[state.markers[id].kind.kind].removeLayer(state.markers[id]);
    delete state.markers[id];
  });
}

function note(text) {
  const box = document.getElementById("member-fetch-note");
  if (box) box.textContent = text;
}

function clamp(v, low, high) { return Math.min(high, Math.max(low, v)); }

/* The viewport (padded a little) as a WGS84 bbox for the API, 6 decimals. */
function viewBbox() {
  const b = state.ctx.map.getBounds().pad(0.1);
  const datum = state.ctx.shown.datum;
  const sw = fromCrs(b.getWest(), b.getSouth(), datum);
  const ne = fromCrs(b.getEast(), b.getNorth(), datum);
  return [clamp(sw[0], -180, 180), clamp(sw[1], -90, 90), clamp(ne[0], -180, 180),
          clamp(ne[1], -90, 90)].map((v) => v.toFixed(6)).join(",");
}

function toPoints(rows) {
  const index = Object.fromEntries(state.kinds.map((k, i) => [k.kind, i]));
  return rows.filter((m) => m.kind in index).map(
    (m) => [m.lon, m.lat, index[m.kind], m.stale ? 1 : 0, m.id, m.age_min, m.name || ""]);
}

async function load() {
  state.timer = null;
  if (state.pending) state.pending.abort();
  const pending = state.pending = new AbortController();
  const conf = state.ctx.config;
  const url = conf.fetchUrl + "?bbox=" + viewBbox() + "&limit=" + conf.fetchLimit;
  try {
    const r = await fetch(url, { credentials: "same-origin", signal: pending.signal,
                                 headers: { Accept: "application/json" } });
    if (!r.ok) throw new Error("HTTP " + r.status);
    const body = await r.json();
    if (state.pending !== pending) return;
    state.pending = null;
    draw(toPoints(body.members));
    note(body.truncated ? "已显示 " + body.count + " / 共 " + body.total + " 人，请放大查看"
                        : "可视范围内 " + body.count + " 人在岗");
  } catch (err) {
    if (err.name === "AbortError" || state.pending !== pending) return;
    state.pending = null;
    note("成员位置加载失败，请稍后移动地图重试");
  }
}

function schedule() {
  if (state.timer) clearTimeout(state.timer);
  state.timer = setTimeout(load, DEBOUNCE_MS);
}

function resize() {
  const factor = scale();
  state.kinds.forEach((kind) => {
    state.groups[kind.kind].eachLayer((m) => m.setRadius(kind.radius * factor));
  });
}

/** Return a grid cell's style: street colours faded, red without the chosen department's
 * professional member, a purple dashed outline without a rider (when asked). */
export function cellStyle(feature) {
  const code = feature.properties.code;
  const style = gridStyle(feature, null);
  style.fillOpacity = 0.2;
  if (state.department && state.coverage[state.department][code]) {
    style.fillColor = "#d7191c";
    style.fillOpacity = 0.6;
  }
  if (state.rider && state.noRider[code]) {
    Object.assign(style, { color: "#6a3d9a", weight: 2.5, dashArray: "5 3" });
  } else {
    style.dashArray = null;
  }
  return style;
}

function restyle() {
  if (state.grids) state.grids.eachLayer((cell) => cell.setStyle(cellStyle(cell.feature)));
  const box = document.getElementById("coverage-count");
  if (!box) return;
  const parts = [];
  if (state.department) parts.push(Object.keys(state.coverage[state.department]).length + " 个网格无该部门专业网格员");
  if (state.rider) parts.push(Object.keys(state.noRider).length + " 个网格无骑手");
  box.textContent = parts.join("；");
}

function attachControls(map) {
  document.querySelectorAll("input[data-member-kind]").forEach((box) => {
    box.addEventListener("change", () => {
      const group = state.groups[box.getAttribute("data-member-kind")];
      if (group) box.checked ? map.addLayer(group) : map.removeLayer(group);
    });
  });
  const select = document.getElementById("coverage-department");
  select?.addEventListener("change", () => {
    state.department = state.coverage[select.value] ? select.value : "";
    restyle();
  });
  const rider = document.getElementById("coverage-no-rider");
  rider?.addEventListener("change", () => { state.rider = rider.checked; restyle(); });
}

/* Both layers are fetched at once; the grids are drawn first, so members sit above them. */
async function loadLayers(ctx) {
  const grids = layerData(ctx.config.urls.grids);
  const members = layerData(ctx.config.urls.data);
  state.grids = drawGrids(ctx, await grids, cellStyle);
  fitGrids(ctx, state.grids);
  const data = await members;
  Object.keys(data.coverage).forEach((d) => { state.coverage[d] = set(data.coverage[d]); });
  state.noRider = set(data.no_rider);
  if (data.members) draw(data.members);
  else if (ctx.config.fetchUrl) { ctx.map.on("moveend", schedule); schedule(); }
  restyle();
}

/* The map prefers canvas: grids and members share its one canvas renderer, so hovering and
 * clicking reach both (a second canvas on top would hide the grids from the mouse). */
function setup(ctx) {
  state.ctx = ctx;
  state.kinds = ctx.config.kinds;
  state.kinds.forEach((kind) => { state.groups[kind.kind] = L.layerGroup().addTo(ctx.map); });
  ctx.members = state;
  ctx.map.on("zoomend", resize);
  attachControls(ctx.map);
  loadLayers(ctx).catch((err) => console.warn(err.message));
}

setup(mapContext());
