/* gridgov city map (/map) and one grid's map (/grids/<code>): folium set the map up with its
 * named groups; this module fills them from the layer URLs. To add a layer to /map, add its
 * module ({key, addTo(ctx)}) to LAYERS and its group to web/grids/maps.py. On a phone the
 * layer control opens from its button and the legend stays closed until asked for. */

import { addLayers, mapContext } from "../lib/foliummap.js";
import { districts, grids, rivers } from "../lib/gridmap.js";
import { stations } from "../stations/stationlayer.js";

/** The staff's demand layer (config.demands: its URLs), with its figures, filters and legend
 * in the #map-demands panel; it opens the map on the user's scope. */
const demands = {
  key: "demands",
  async addTo(ctx) {
    const { addDemandLayer } = await import("../demands/demandlayer.js");
    const urls = ctx.config.demands;
    const handle = addDemandLayer(ctx.map, {
      url: urls.data, scopeUrl: urls.scope, categoriesUrl: urls.categories,
      demandUrl: urls.demandPage, group: ctx.groups.demands,
      shift: ctx.shown.latLng, unshift: ctx.shown.wgs84,
      filtersEl: document.getElementById("demand-filters"),
      figuresEl: document.getElementById("demand-figures"),
      padRight: () => panelWidth("map-demands"),
    });
    document.getElementById("demand-legend").appendChild(handle.legend);
    ctx.layers.demands = handle.layer;
    return handle.ready;
  },
};

const LAYERS = [grids, districts, rivers, stations, demands];
const NARROW = window.matchMedia("(max-width: 575.98px)");

/** Return the width an open side panel covers on the map (0 on a phone or when closed). */
function panelWidth(id) {
  const panel = document.getElementById(id);
  return panel && panel.open && !NARROW.matches ? panel.offsetWidth + 20 : 0;
}

/** On narrow screens the layer control's button toggles its list; a tap on the map closes
 * it. The legend is open on wider screens only. */
function fitScreen(ctx) {
  for (const id of ["map-legend", "map-demands"]) {
    const panel = document.getElementById(id);
    if (panel && !NARROW.matches) panel.open = true;
  }
  const control = ctx.map.getContainer().querySelector(".leaflet-control-layers");
  const toggle = control && control.querySelector(".leaflet-control-layers-toggle");
  if (!toggle) return;
  toggle.setAttribute("role", "button");
  toggle.addEventListener("click", (e) => {
    e.preventDefault();
    control.classList.toggle("is-open");
  });
  ctx.map.on("click", () => control.classList.remove("is-open"));
}

const ctx = mapContext();
fitScreen(ctx);
addLayers(ctx, LAYERS);
