/* gridgov leaders' map (ES module): the panel's demand filters (#hotspot-filters) as a query
 * string, shared by the heat, choropleth and sidebar modules. */

import { $ } from "../lib/dom.js";

/** Return the filter form of the panel. */
export function filterForm() {
  return $("hotspot-filters");
}

/** Return the query string of the panel's filters (empty fields left out) and `more`. */
export function query(more) {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(filterForm())) if (v) params.set(k, v);
  for (const [k, v] of Object.entries(more || {})) if (v) params.set(k, v);
  return params.toString();
}
