/* gridgov pick map (ES module): a point picked on a light Leaflet map of the city — district
 * outlines and grids (/report/outlines.json), no tiles unless configured. Shared by 随手拍's
 * tap-on-the-map fallback (report.js, Leaflet loaded only when needed, leaflet.js here) and
 * the location picker of the 驿站管理 form (stations/form.js). Outlines and points come in
 * WGS84 and are drawn in opts.datum (gcj02 over GCJ-02 tiles); a pick is reported in that
 * datum, to be sent with crs=<datum>. Text from data is escaped before it is tooltip HTML. */

import { create as datumOf } from "./datum.js";
import { esc } from "./text.js";
import { layerData } from "./foliummap.js";
import { PICK_DISTRICT, PICK_IN_SCOPE, PICK_OUT_OF_SCOPE } from "./styles.js";

const CITY_CENTRE = [45.7711, 131.0031];  /* WGS84 [lat, lon]: the municipal government */

/** Return a pick-map grid's tooltip HTML (escaped). */
export function tooltipHtml(p) {
  return esc(p.name) + (p.community_name ? "<br>" + esc(p.community_name) : "");
}

function inScope(scope, p) {
  return !scope || String(p.code).indexOf(scope) === 0;
}

/* Grids (those outside `scope` greyed) and district outlines; fit the view to the grids in
 * scope when `fit`. */
function drawOutlines(map, data, shown, scope, fit) {
  const bounds = L.latLngBounds([]);
  L.geoJSON(shown.geojson(data.grids), {
    style: (f) => (inScope(scope, f.properties) ? PICK_IN_SCOPE : PICK_OUT_OF_SCOPE),
    onEachFeature(f, layer) {
      layer.bindTooltip(tooltipHtml(f.properties), { sticky: true });
      if (inScope(scope, f.properties)) bounds.extend(layer.getBounds());
    },
  }).addTo(map);
  L.geoJSON(shown.geojson(data.districts), { interactive: false, style: PICK_DISTRICT }).addTo(map);
  if (fit && bounds.isValid()) map.fitBounds(bounds);
}

function pinFor(opts, at) {
  if (!opts.draggable) {
    return L.circleMarker(at, { radius: 9, color: "#dc3545", weight: 3, fillOpacity: 0.6,
                                interactive: false });
  }
  const pin = L.marker(at, { draggable: true, autoPan: true, alt: "选定的位置" });
  pin.on("dragend", () => { const p = pin.getLatLng(); opts.onPick(p.lat, p.lng); });
  if (opts.label) pin.bindTooltip(esc(opts.label), { direction: "top", offset: [0, -36] });
  return pin;
}

/** Make a pick map in `el`. opts: {outlines, tileUrl, tileAttribution, datum, centre: WGS84
 * [lat, lon] | null, scope: a code prefix whose grids stand out, draggable: a pin that can be
 * dragged instead of a dot, label: the pin's tooltip, onPick(lat, lon) in datum (a tap, or
 * the end of a drag), onError(message)}. Returns {map, shown (datum.js create(datum)),
 * mark(lat, lon, pan) of a WGS84 point, resize()}. */
export function create(el, opts) {
  let marker = null;
  const shown = datumOf(opts.datum);
  const centre = opts.centre ? shown.latLng(opts.centre[0], opts.centre[1]) : null;
  const map = L.map(el, { zoomControl: true, attributionControl: !!opts.tileUrl })
    .setView(centre || shown.latLng(CITY_CENTRE[0], CITY_CENTRE[1]), centre ? 16 : 12);
  if (opts.tileUrl) {
    L.tileLayer(opts.tileUrl, { attribution: esc(opts.tileAttribution), maxZoom: 19 }).addTo(map);
  }
  function place(at, pan) {  /* at: [lat, lon] as drawn */
    if (marker) marker.setLatLng(at);
    else marker = pinFor(opts, at).addTo(map);
    if (pan) map.panTo(at);
  }
  map.on("click", (e) => {
    place([e.latlng.lat, e.latlng.lng], false);
    opts.onPick(e.latlng.lat, e.latlng.lng);
  });
  if (centre) place(centre, false);
  layerData(opts.outlines)
    .then((data) => drawOutlines(map, data, shown, opts.scope, !centre))
    .catch(() => opts.onError("网格边界加载失败，仍可在地图上点选。"));
  return { map, shown, mark: (lat, lon, pan) => place(shown.latLng(lat, lon), pan),
           resize: () => map.invalidateSize() };
}
