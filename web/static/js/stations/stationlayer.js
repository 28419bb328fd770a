/* gridgov 红色驿站 layer (ES module): the active stations (GET /api/v1/stations, GeoJSON,
 * WGS84) as circle markers in their own pane above the grids, drawn in the map's datum;
 * tooltips and popups built from data through esc(), never raw. Used by the city map (a layer
 * module {key, addTo(ctx)}) and the station form's picker (markers()). */

import { esc, fill } from "../lib/text.js";
import { layerData } from "../lib/foliummap.js";
import { stationStyle } from "../lib/styles.js";

const PANE = "stations";

/** Return a station feature as what its marker shows (kind looked up in `kinds`). */
export function station(feature, kinds) {
  const p = feature.properties;
  const kind = (kinds || []).find((k) => k.kind === p.kind) || { kind: p.kind };
  const [lon, lat] = feature.geometry.coordinates;
  return { lon, lat, kind, kindLabel: p.kind_label || kind.label || "", id: p.id, name: p.name,
           address: p.address, services: p.service_labels || [], hours: p.opening_hours,
           grid: p.grid_code };
}

function line(label, value) {
  return "<tr><th>" + esc(label) + "</th><td>" + esc(value) + "</td></tr>";
}

/** Return a station's popup HTML (escaped), linking its grid's page (`gridUrl`, '__code__'). */
export function popupHtml(s, gridUrl) {
  const grid = s.grid ? "<a href=\"" + esc(fill(gridUrl || "/grids/__code__", s.grid)) +
    "\">所在网格 " + esc(s.grid) + " »</a>" : "";
  return "<div class=\"station-popup\"><div class=\"station-popup-title\">" + esc(s.name) + "</div>" +
    "<table>" + line("类型", s.kindLabel) + line("服务", s.services.join("、")) +
    line("开放时间", s.hours) + line("地址", s.address) + "</table>" + grid + "</div>";
}

/** Draw station features (WGS84) into `group` on `map` in the datum of `shown`; returns the
 * markers. opts: {kinds, gridUrl, skip: a station id left out}. */
export function markers(map, group, features, shown, opts) {
  if (!map.getPane(PANE)) map.createPane(PANE).style.zIndex = 450;  /* above the grids */
  return features.filter((f) => f.id !== opts.skip).map((f) => {
    const s = station(f, opts.kinds);
    const m = L.circleMarker(shown.latLng(s.lat, s.lon), stationStyle(s.kind, PANE));
    m.bindTooltip(() => esc(s.name));
    m.bindPopup(() => popupHtml(s, opts.gridUrl), { maxWidth: 320 });
    return m.addTo(group);
  });
}

/** Resolve to every active station feature of the list at `url`, page after page. */
export async function allStations(url) {
  const first = await layerData(url);
  const features = [...first.features];
  for (let page = 2; features.length < first.total; page += 1) {
    const next = await layerData(url + (url.includes("?") ? "&" : "?") + "page=" + page);
    if (!next.features.length) break;
    features.push(...next.features);
  }
  return features;
}

/** The station layer of the city map. */
export const stations = {
  key: "stations",
  async addTo(ctx) {
    const features = await allStations(ctx.config.urls.stations);
    markers(ctx.map, ctx.groups.stations, features, ctx.shown,
            { kinds: ctx.config.stationKinds, gridUrl: ctx.config.gridUrl });
  },
};
