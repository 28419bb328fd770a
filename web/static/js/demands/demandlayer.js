/* gridgov staff demand layer (诉求地图; ES module, Leaflet as window.L): the demands of the
 * user's scope in the viewport from GET /api/v1/demands/map — counted per street / community /
 * grid / square at low zoom (a ring per state group with the count, an overdue badge; a click
 * zooms in), one canvas dot per demand at high zoom (colour = state group, red ring = overdue).
 * Loads on moveend (debounced; a newer request aborts the older one), with the filters it
 * renders (period, category, state, source, area of the scope) and the scope's figures
 * beside the map. Data are WGS84; `shift(lat, lon)` gives where to draw (the map's datum).
 * Text from data goes through esc() or textContent. */

import { TIME_ZONE, esc, fill, localTime, number } from "../lib/text.js";
import { api, errorText } from "../lib/http.js";
import { renderFilters } from "./demandfilters.js";

export const GROUPS = { waiting: "待派", in_hand: "办理中", done: "已办结", closed: "已结案" };
export const COLOURS = { waiting: "#d7301f", in_hand: "#f28e2b", done: "#2b7bba",
                         closed: "#4e9a3a" };
const LATE = "#111111"; // the ring of an overdue dot
const PERIODS = { "": "全部时间", today: "今日", d7: "近7天", d30: "近30天", month: "本月",
                  custom: "自定义" };
const DEBOUNCE_MS = 250;
const PAD = 0.25; // the bbox asked for is the view grown by a quarter on each side
const DEFAULTS = {
  url: "/api/v1/demands/map", scopeUrl: "/api/v1/demands/map/scope",
  categoriesUrl: "/api/v1/categories", demandUrl: "/staff/demands/__code__",
  shift: (lat, lon) => [lat, lon], unshift: (lat, lon) => [lat, lon],
  filtersEl: null, figuresEl: null, fitScope: true, group: null, padRight: () => 0,
};

/** Return the Asia/Shanghai date `days` after today as YYYY-MM-DD. */
export function shanghaiDate(days, now) {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: TIME_ZONE })
    .format(now || new Date());
  const [y, m, d] = today.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + (days || 0))).toISOString().slice(0, 10);
}

/** Return {from, to} (dates, Asia/Shanghai; `to` exclusive) of a period preset. */
export function periodRange(period, now) {
  const end = shanghaiDate(1, now);
  if (period === "today") return { from: shanghaiDate(0, now), to: end };
  if (period === "d7") return { from: shanghaiDate(-6, now), to: end };
  if (period === "d30") return { from: shanghaiDate(-29, now), to: end };
  if (period === "month") return { from: shanghaiDate(0, now).slice(0, 8) + "01", to: end };
  return {};
}

/** Return the popup HTML of one demand point (every value escaped). */
export function pointHtml(p, demandUrl) {
  const link = "<a href=\"" + esc(fill(demandUrl, p.code)) + "\" target=\"_blank\" " +
    "rel=\"noopener\">" + esc(p.code) + "</a>";
  const row = (k, v) => "<tr><th>" + k + "</th><td>" + v + "</td></tr>";
  return "<div class=\"demand-popup\"><div class=\"demand-popup-title\">" + link + "</div>" +
    "<table>" + row("分类", esc(p.category_name) + " <span class=\"grid-code\">" +
    esc(p.category) + "</span>") +
    row("状态", esc(GROUPS[p.group] || p.group) + "（" + esc(p.state_label) + "）" +
        (p.overdue ? " <strong class=\"demand-late\">超期</strong>" : "")) +
    row("网格", "<span class=\"grid-code\">" + esc(p.grid) + "</span>") +
    row("已历时", esc(p.days_open) + " 天") + row("办理时限", esc(localTime(p.deadline))) +
    "</table></div>";
}

/** Return the tooltip HTML of one cluster: its unit, counts per group and overdue. */
export function clusterHtml(p) {
  const head = p.name ? esc(p.name) : (p.code ? esc(p.code) : "本区域");
  const lines = Object.keys(GROUPS).filter((g) => p[g]).map((g) =>
    "<span class=\"demand-swatch\" style=\"background:" + COLOURS[g] + "\"></span>" +
    esc(GROUPS[g]) + " " + esc(number(p[g])));
  return "<div class=\"demand-popup\"><div class=\"demand-popup-title\">" + head + " · " +
    esc(number(p.count)) + " 件</div>" + lines.join("<br>") +
    (p.overdue ? "<br><strong class=\"demand-late\">超期 " + esc(number(p.overdue)) +
     "</strong>" : "") + "</div>";
}

function ring(p) {
  /* A conic gradient of the state groups' shares around the count. */
  let at = 0;
  const stops = Object.keys(GROUPS).filter((g) => p[g]).map((g) => {
    const from = at;
    at += (p[g] / p.count) * 360;
    return COLOURS[g] + " " + from.toFixed(1) + "deg " + at.toFixed(1) + "deg";
  });
  return "conic-gradient(" + stops.join(",") + ")";
}

/** Return a count short enough for a cluster's face: 9,876 / 1.2万 / 35万. */
export function short(n) {
  if (n < 10000) return number(n);
  const wan = n / 10000;
  return (wan < 100 ? wan.toFixed(1).replace(/\.0$/, "") : Math.round(wan)) + "万";
}

function clusterMarker(f, at, ctx) {
  const p = f.properties;
  const size = Math.round(26 + Math.min(22, 4 * Math.log10(1 + p.count) ** 1.5));
  const html = "<div class=\"demand-cluster-ring\" style=\"background:" + ring(p) + "\">" +
    "<span>" + esc(short(p.count)) + "</span></div>" +
    (p.overdue ? "<b class=\"demand-cluster-late\">" + esc(number(p.overdue)) + "</b>" : "");
  const icon = L.divIcon({ html, className: "demand-cluster", iconSize: [size, size] });
  const marker = L.marker(at, { icon, keyboard: false });
  marker.bindTooltip(clusterHtml(p), { direction: "top", offset: [0, -size / 2] });
  marker.on("click", () => {
    const [x0, y0, x1, y1] = p.bbox;
    const bounds = L.latLngBounds(ctx.shift(y0, x0), ctx.shift(y1, x1));
    const next = Math.min(ctx.map.getBoundsZoom(bounds), ctx.map.getMaxZoom());
    ctx.map.setView(at, Math.max(next, ctx.map.getZoom() + 1));
  });
  return marker;
}

function pointMarker(f, at, ctx) {
  const p = f.properties;
  const marker = L.circleMarker(at, {
    renderer: ctx.renderer, radius: 6, fillColor: COLOURS[p.group] || "#777",
    fillOpacity: 0.9, color: p.overdue ? LATE : "#ffffff", weight: p.overdue ? 3 : 1,
  });
  marker.bindPopup(() => pointHtml(p, ctx.opts.demandUrl));
  marker.on("popupopen", () => { ctx.openCode = p.code; });
  marker.on("popupclose", () => { if (!ctx.redrawing) ctx.openCode = null; });
  if (p.code === ctx.openCode) ctx.reopen = marker;
  return marker;
}

/** Return the legend element: a <details> (folded on a phone) with the state groups'
 * colours, the overdue ring and what a cluster is. */
export function legendElement() {
  const box = document.createElement("details");
  box.className = "demand-legend";
  box.open = window.innerWidth > 576;
  const title = document.createElement("summary");
  title.className = "demand-legend-title";
  title.textContent = "诉求图例";
  box.appendChild(title);
  const item = (colour, label, late) => {
    const row = document.createElement("div");
    const dot = document.createElement("span");
    dot.className = "demand-dot" + (late ? " demand-dot-late" : "");
    if (colour) dot.style.background = colour;
    row.append(dot, label);
    box.appendChild(row);
  };
  for (const [g, label] of Object.entries(GROUPS)) item(COLOURS[g], label);
  item(null, "超期（黑圈）", true);
  const many = document.createElement("div");
  many.className = "demand-legend-note";
  many.textContent = "缩小时按街道/社区/网格聚合（红色角标为超期数），点击放大";
  box.appendChild(many);
  return box;
}

function viewBbox(ctx) {
  const b = ctx.map.getBounds().pad(PAD);
  const [s, w] = ctx.opts.unshift(b.getSouth(), b.getWest());
  const [n, e] = ctx.opts.unshift(b.getNorth(), b.getEast());
  const clamp = (v, lim) => Math.max(-lim, Math.min(lim, v)).toFixed(6);
  return [clamp(w, 180), clamp(s, 90), clamp(e, 180), clamp(n, 90)].join(",");
}

function query(ctx) {
  const f = ctx.filters;
  const q = { zoom: String(Math.round(ctx.map.getZoom())), bbox: viewBbox(ctx) };
  const range = f.period === "custom" ? { from: f.from, to: f.to } : periodRange(f.period);
  for (const [k, v] of Object.entries({ ...range, category: f.category, state: f.state,
                                        source: f.source, within: f.within,
                                        overdue: f.overdue ? "true" : "" })) {
    if (v) q[k] = v;
  }
  return new URLSearchParams(q).toString();
}

function status(ctx, text, bad) {
  if (!ctx.status) return;
  ctx.status.textContent = text;
  ctx.status.classList.toggle("text-danger", !!bad);
}

async function load(ctx) {
  if (ctx.controller) ctx.controller.abort();
  const controller = new AbortController();
  ctx.controller = controller;
  status(ctx, "正在加载…");
  let res;
  try {
    res = await api("GET", ctx.opts.url + "?" + query(ctx), undefined, undefined,
                    controller.signal);
  } catch (err) {
    if (err.name !== "AbortError") status(ctx, "网络错误，诉求未能加载", true);
    return;
  }
  if (controller !== ctx.controller) return; // a newer request is under way
  ctx.controller = null;
  if (!res.ok) {
    status(ctx, errorText(res, "诉求未能加载："), true);
    return;
  }
  draw(ctx, res.data);
}

function fitTo(ctx, features) {
  /* After the area filter changed: show all of what it holds. */
  const bounds = L.latLngBounds([]);
  for (const f of features) {
    const [lon, lat] = f.geometry.coordinates;
    const [x0, y0, x1, y1] = f.properties.bbox || [lon, lat, lon, lat];
    bounds.extend(ctx.shift(y0, x0)).extend(ctx.shift(y1, x1));
  }
  if (bounds.isValid()) ctx.map.fitBounds(bounds, { maxZoom: 17 });
}

function draw(ctx, data) {
  if (ctx.fitNext) {
    ctx.fitNext = false;
    if (data.features.length) {
      fitTo(ctx, data.features);
      return; // the move loads the view again
    }
  }
  ctx.redrawing = true; // a popup open on a demand stays open when the view reloads
  ctx.layer.clearLayers();
  ctx.reopen = null;
  for (const f of data.features) {
    const [lon, lat] = f.geometry.coordinates;
    const at = ctx.shift(lat, lon);
    const marker = f.properties.kind === "cluster" ? clusterMarker(f, at, ctx)
      : pointMarker(f, at, ctx);
    ctx.layer.addLayer(marker);
  }
  ctx.redrawing = false;
  if (ctx.reopen) ctx.reopen.openPopup();
  else ctx.openCode = null;
  const how = data.kind === "cluster" ? "（聚合显示，放大查看单件）" : "";
  status(ctx, "视野内 " + number(data.total) + " 件" + how);
}

function schedule(ctx) {
  clearTimeout(ctx.timer);
  ctx.timer = setTimeout(() => load(ctx), DEBOUNCE_MS);
}

function figures(ctx, s) {
  const el = ctx.opts.figuresEl;
  if (!el) return;
  const item = (label, value, cls) => "<div class=\"demand-figure " + (cls || "") + "\"><b>" +
    esc(number(value)) + "</b><span>" + esc(label) + "</span></div>";
  el.innerHTML = "<div class=\"demand-figures-title\">" + esc(s.name) + "</div>" +
    "<div class=\"demand-figures\">" + item("未结案", s.open) +
    item("超期", s.overdue, s.overdue ? "late" : "") + item("今日到期", s.due_today) +
    item("在岗成员", s.on_duty) + "</div>";
}

function outline(ctx, s) {
  if (s.outline) {
    L.geoJSON(s.outline, {
      coordsToLatLng: (c) => L.latLng(ctx.shift(c[1], c[0])), interactive: false,
      style: { color: "#6a1b9a", weight: 3, dashArray: "8 5", fill: false },
    }).addTo(ctx.opts.group || ctx.map);
  }
  if (ctx.opts.fitScope && s.bbox && s.scope) { // city-wide: the map's own view stays
    const [x0, y0, x1, y1] = s.bbox;
    ctx.map.invalidateSize(); // the filters and figures just took their room
    ctx.map.fitBounds(L.latLngBounds(ctx.shift(y0, x0), ctx.shift(y1, x1)),
                      { paddingBottomRight: [ctx.opts.padRight(), 0] });
  }
}

/** Add the demand layer to `map` (inside `options.group`, e.g. a layer-control overlay, when
 * given); return {layer, refresh(), setFilters(f), legend, ready}. */
export function addDemandLayer(map, options) {
  const opts = { ...DEFAULTS, ...(options || {}) };
  const ctx = { map, opts, shift: opts.shift, filters: {}, timer: null, controller: null,
                renderer: L.canvas({ padding: 0.5 }), status: null,
                layer: L.layerGroup().addTo(opts.group || map) };
  const refresh = () => load(ctx);
  const setFilters = (f) => {
    const before = ctx.filters.within || "";
    ctx.filters = { ...ctx.filters, ...(f || {}) };
    ctx.fitNext = (ctx.filters.within || "") !== before;
    return load(ctx);
  };
  map.on("moveend", () => schedule(ctx));
  const scope = api("GET", opts.scopeUrl).then(async (res) => {
    if (!res.ok) {
      status(ctx, errorText(res, "辖区信息未能加载："), true);
      return;
    }
    figures(ctx, res.data);
    if (opts.filtersEl) {
      const cats = await api("GET", opts.categoriesUrl);
      ctx.status = renderFilters(opts.filtersEl, res.data, cats.ok ? cats.data : [],
                                 PERIODS, setFilters);
    }
    outline(ctx, res.data);
  });
  scope.finally(() => load(ctx));
  return { layer: ctx.layer, refresh, setFilters, legend: legendElement(), ready: scope };
}
