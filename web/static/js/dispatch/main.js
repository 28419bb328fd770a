/* gridgov dispatcher's page (派单调度): the waiting queue (polled), a demand's grid and ranked
 * candidates on the map with straight lines labelled by distance, one-click assignment,
 * keyboard control. folium set the map up and handed over the URLs (web/dispatch/maps.py);
 * the API answers WGS84, drawn in the map's datum (datum.js). Text from data becomes HTML
 * only through esc() (Leaflet tooltips); everything else is built with textContent.
 * Parts: state.js, queue.js, detail.js, candidates.js, keys.js. */

import { addLayers, mapContext } from "../lib/foliummap.js";
import { districts, rivers } from "../lib/gridmap.js";
import { config, state } from "./state.js";
import { refresh } from "./queue.js";
import { bindKeys } from "./keys.js";

const ctx = mapContext();
Object.assign(config, ctx.config);
Object.assign(state, { map: ctx.map, shown: ctx.shown, queueLayer: L.layerGroup().addTo(ctx.map),
                       overlay: L.featureGroup().addTo(ctx.map) });
ctx.dispatch = state;
addLayers(ctx, [districts, rivers]).then(() => {  /* under the demands, whenever they came */
  ["rivers", "districts"].forEach((key) => ctx.layers[key] && ctx.layers[key].bringToBack());
});
bindKeys();
refresh();
setInterval(refresh, config.pollMs);
