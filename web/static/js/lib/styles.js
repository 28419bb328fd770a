/* gridgov map styles (ES module): the one look of each common layer — grids coloured by
 * street (a focused grid outlined in red), district outlines, rivers, stations, the selected
 * grid of the dispatcher, the pick map's grids. */

export const FOCUS_COLOUR = "#c00000";

/** Return the style of a grid cell (feature.properties.color: its street's colour); with a
 * `focus` code that grid is outlined in red and the others fade. */
export function gridStyle(feature, focus) {
  const p = feature.properties;
  const focused = !!focus && p.code === focus;
  return {
    color: focused ? FOCUS_COLOUR : "#4a4a4a",
    weight: focused ? 3 : 0.7,
    opacity: 0.9,
    fillColor: p.color || "#999999",
    fillOpacity: focus && !focused ? 0.25 : 0.55,
  };
}

/** The style of a grid under the pointer. */
export const GRID_HOVER = { weight: 2.5, color: "#111111" };

/** Return the style of a district outline (dashed, no fill). */
export function districtStyle() {
  return { color: "#333333", weight: 2.5, opacity: 0.9, dashArray: "8 5", fill: false };
}

/** Return the style of a river line. */
export function riverStyle() {
  return { color: "#1b6ec2", weight: 4, opacity: 0.85 };
}

/** Return the circle-marker options of a station of `kind` ({kind, color, radius}) in `pane`. */
export function stationStyle(kind, pane) {
  return {
    pane, radius: kind.radius || 7, color: "#ffffff", weight: 1.5,
    fillColor: kind.color || "#d7191c", fillOpacity: 0.95,
    className: "station-marker station-" + kind.kind,
  };
}

/** Return the style of the dispatcher's selected grid (the focus outline, lightly filled). */
export function focusStyle() {
  return { color: FOCUS_COLOUR, weight: 3, dashArray: null, fillColor: FOCUS_COLOUR,
           fillOpacity: 0.08, className: "selected-grid" };
}

/** The pick map's grids: inside the user's scope, and outside it (greyed). */
export const PICK_IN_SCOPE = { color: "#0d6efd", weight: 0.6, fillOpacity: 0.08,
                               className: "pick-grid" };
export const PICK_OUT_OF_SCOPE = { color: "#6c757d", weight: 0.4, fillOpacity: 0.02,
                                   className: "pick-grid pick-grid-out" };
/** The pick map's district outlines. */
export const PICK_DISTRICT = { color: "#555555", weight: 2, dashArray: "6 4", fill: false };
