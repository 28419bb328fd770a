/* gridgov folium hand-off (ES module): folium (web/core/maps.py) sets the map up — tiles,
 * view, scale, layer control, EMPTY named layer groups — and its MapHandoff sets
 * `container.gridgov = {map, groups, config}`. Page modules run after folium's inline script,
 * so mapContext() finds it, adds `shown` (datum.js, the basemap's datum) and recentres the
 * view in that datum. Layer modules are objects {key, addTo(ctx)}: addLayers() calls each
 * whose group the page has, and each fetches its GeoJSON (WGS84) by URL from config.urls. */

import { create } from "./datum.js";
import { api } from "./http.js";

/** Return the map context of the folium map in `container` (default: the page's first):
 * {map, groups: {key: L.FeatureGroup}, config, shown, layers: {key: what it drew}}. */
export function mapContext(container) {
  const box = container || document.querySelector(".folium-map");
  const ctx = box && box.gridgov;
  if (!ctx) throw new Error("没有找到地图（folium 未交接）");
  if (!ctx.shown) {
    ctx.shown = create(ctx.config.datum);
    ctx.layers = {};
    if (ctx.shown.datum !== "wgs84") {
      const c = ctx.map.getCenter();
      ctx.map.setView(ctx.shown.latLng(c.lat, c.lng), ctx.map.getZoom(), { animate: false });
    }
    ctx.home = { center: ctx.map.getCenter(), zoom: ctx.map.getZoom() };
  }
  return ctx;
}

/** Return true while the view is still the one folium set up (nobody has moved the map), so
 * a layer arriving later may fit the view to itself without yanking the user away. */
export function untouched(ctx) {
  return ctx.map.getZoom() === ctx.home.zoom && ctx.map.getCenter().equals(ctx.home.center);
}

/** Resolve to the JSON at `url` (same origin; the browser's cache revalidates by ETag). */
export async function layerData(url) {
  const res = await api("GET", url);
  if (!res.ok) throw new Error("图层数据加载失败（" + res.status + "）：" + url);
  return res.data;
}

/** Add every layer module whose group the map has; resolve when all are drawn, stacked in
 * the list's order whatever order their data came in (a layer that fails is reported on the
 * console and leaves its group empty). */
export async function addLayers(ctx, layers) {
  const shown = layers.filter((layer) => ctx.groups[layer.key]);
  await Promise.all(shown.map(
    (layer) => Promise.resolve(layer.addTo(ctx)).catch((err) => console.warn(err.message))));
  shown.forEach((layer) => {
    const drawn = ctx.layers[layer.key];
    if (drawn && drawn.bringToFront) drawn.bringToFront();
  });
  return ctx;
}
