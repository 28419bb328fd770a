/* gridgov member map (网格力量, staff only): on-duty members as canvas circle markers per kind,
 * stale positions greyed, coverage gaps highlighted on the grid layer. Needs Leaflet and
 * GridMap (gridmap.js); every text from data goes through GridMap.esc() before it is HTML. */
(function () {
  "use strict";

  var STALE = "#757575";
  var state = { map: null, grids: null, kinds: [], groups: {}, coverage: {}, noRider: {},
                department: "", rider: false };

  function set(codes) {
    var out = {};
    (codes || []).forEach(function (c) { out[c] = true; });
    return out;
  }

  // Smaller dots at city zoom, so thousands of members do not hide the grids.
  function scale() {
    var z = state.map ? state.map.getZoom() : 12;
    return z >= 14 ? 1 : z >= 12 ? 0.7 : 0.45;
  }

  function markerStyle(kind, stale) {
    // Stale: a grey dashed ring around a faded fill of the kind's colour (still tells the kind).
    return {
      radius: kind.radius * scale(), color: stale ? STALE : kind.color, weight: 1,
      opacity: stale ? 0.9 : 1, fillColor: kind.color, fillOpacity: stale ? 0.2 : 0.85,
      dashArray: stale ? "2 2" : null
    };
  }

  function popupHtml(kind, p) {
    var age = p[5] === null ? "无位置时间" : p[5] + " 分钟前";
    return "<div class=\"grid-popup\"><div class=\"grid-popup-title\">" + GridMap.esc(p[6] || "") +
      "</div><table><tr><th>类别</th><td>" + GridMap.esc(kind.label) + "</td></tr>" +
      "<tr><th>位置上报</th><td>" + GridMap.esc(age) + (p[3] ? "（已过时）" : "") + "</td></tr>" +
      "<tr><th>编号</th><td>" + GridMap.esc(p[4]) + "</td></tr></table></div>";
  }

  // The map prefers canvas: grids and members share its one canvas renderer, so hovering and
  // clicking reach both (a second canvas on top would hide the grids from the mouse).
  function addMembers(points) {
    state.kinds.forEach(function (kind) { state.groups[kind.kind] = L.layerGroup(); });
    points.forEach(function (p) {
      var kind = state.kinds[p[2]];
      var marker = L.circleMarker([p[1], p[0]], markerStyle(kind, p[3]));
      marker.bindPopup(function () { return popupHtml(kind, p); });
      state.groups[kind.kind].addLayer(marker);
    });
    state.kinds.forEach(function (kind) { state.groups[kind.kind].addTo(state.map); });
  }

  function resize() {
    var factor = scale();
    state.kinds.forEach(function (kind) {
      state.groups[kind.kind].eachLayer(function (m) { m.setRadius(kind.radius * factor); });
    });
  }

  function cellStyle(feature) {
    var code = feature.properties.code;
    var style = GridMap.gridStyle(feature);
    style.fillOpacity = 0.2;
    if (state.department && state.coverage[state.department][code]) {
      style.fillColor = "#d7191c";
      style.fillOpacity = 0.6;
    }
    if (state.rider && state.noRider[code]) {
      style.color = "#6a3d9a";
      style.weight = 2.5;
      style.dashArray = "5 3";
    } else {
      style.dashArray = null;
    }
    return style;
  }

  function restyle() {
    state.grids.eachLayer(function (cell) { cell.setStyle(cellStyle(cell.feature)); });
    var note = document.getElementById("coverage-count");
    if (!note) return;
    var parts = [];
    if (state.department) parts.push(Object.keys(state.coverage[state.department]).length + " 个网格无该部门专业网格员");
    if (state.rider) parts.push(Object.keys(state.noRider).length + " 个网格无骑手");
    note.textContent = parts.join("；");
  }

  function attachControls() {
    document.querySelectorAll("input[data-member-kind]").forEach(function (box) {
      box.addEventListener("change", function () {
        var group = state.groups[box.getAttribute("data-member-kind")];
        if (group) box.checked ? state.map.addLayer(group) : state.map.removeLayer(group);
      });
    });
    var select = document.getElementById("coverage-department");
    if (select) {
      select.addEventListener("change", function () {
        state.department = state.coverage[select.value] ? select.value : "";
        restyle();
      });
    }
    var rider = document.getElementById("coverage-no-rider");
    if (rider) {
      rider.addEventListener("change", function () { state.rider = rider.checked; restyle(); });
    }
  }

  function setup(map, grids, conf) {
    state.map = map;
    state.grids = grids;
    state.kinds = conf.kinds;
    Object.keys(conf.coverage).forEach(function (d) { state.coverage[d] = set(conf.coverage[d]); });
    state.noRider = set(conf.noRider);
    grids.eachLayer(function (cell) {
      cell.on("mouseout", function () { cell.setStyle(cellStyle(cell.feature)); });
    });
    addMembers(conf.points);
    map.on("zoomend", resize);
    attachControls();
    restyle();
  }

  window.MemberMap = { setup: setup, cellStyle: cellStyle, popupHtml: popupHtml };
})();
