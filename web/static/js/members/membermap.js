/* gridgov member map (网格力量, staff only): on-duty members as canvas circle markers per kind,
 * stale positions greyed, coverage gaps highlighted on the grid layer. Needs Leaflet, GridMap
 * (gridmap.js) and Datum (datum.js); every text from data goes through GridMap.esc() before it
 * is HTML. Members come embedded (conf.points, already in the map's datum) or, when
 * conf.fetchUrl is set, from the API for the viewport (WGS84, moved into conf.datum) on load
 * and on moveend (debounced; a newer request aborts the previous one). */
(function () {
  "use strict";

  var STALE = "#757575";
  var DEBOUNCE_MS = 300;
  var state = { map: null, grids: null, kinds: [], groups: {}, coverage: {}, noRider: {},
                department: "", rider: false, markers: {}, shown: null, fetchUrl: "",
                fetchLimit: 0, timer: null, pending: null };

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
  function makeGroups() {
    state.kinds.forEach(function (kind) {
      state.groups[kind.kind] = L.layerGroup().addTo(state.map);
    });
  }

  // Draw compact rows [lon, lat, kind index, stale 0/1, id, age_min, name] (in the map's
  // datum): members no longer listed are removed, the others moved and restyled in place (an
  // open popup stays open), new ones added.
  function draw(points) {
    var seen = {};
    points.forEach(function (p) {
      var kind = state.kinds[p[2]];
      if (!kind) return;
      var marker = state.markers[p[4]];
      if (marker && marker.kind !== kind) {
        state.groups[marker.kind.kind].removeLayer(marker);
        marker = null;
      }
      if (marker) {
        marker.setLatLng([p[1], p[0]]);
        marker.setStyle(markerStyle(kind, p[3]));
      } else {
        marker = L.circleMarker([p[1], p[0]], markerStyle(kind, p[3]));
        marker.kind = kind;
        marker.bindPopup(function () { return popupHtml(kind, marker.point); });
        state.groups[kind.kind].addLayer(marker);
        state.markers[p[4]] = marker;
      }
      marker.point = p;
      seen[p[4]] = true;
    });
    Object.keys(state.markers).forEach(function (id) {
      if (seen[id]) return;
      state.groups[state.markers[id].kind.kind].removeLayer(state.markers[id]);
      delete state.markers[id];
    });
  }

  function note(text) {
    var el = document.getElementById("member-fetch-note");
    if (el) el.textContent = text;
  }

  function clamp(v, low, high) { return Math.min(high, Math.max(low, v)); }

  // The viewport (padded a little) as a WGS84 bbox for the API, 6 decimals.
  function viewBbox() {
    var b = state.map.getBounds().pad(0.1);
    var sw = Datum.fromCrs(b.getWest(), b.getSouth(), state.shown.datum);
    var ne = Datum.fromCrs(b.getEast(), b.getNorth(), state.shown.datum);
    return [clamp(sw[0], -180, 180), clamp(sw[1], -90, 90), clamp(ne[0], -180, 180),
            clamp(ne[1], -90, 90)].map(function (v) { return v.toFixed(6); }).join(",");
  }

  function toPoints(rows) {
    var index = {};
    state.kinds.forEach(function (k, i) { index[k.kind] = i; });
    return rows.filter(function (m) { return m.kind in index; }).map(function (m) {
      var at = state.shown.latLng(m.lat, m.lon);
      return [at[1], at[0], index[m.kind], m.stale ? 1 : 0, m.id, m.age_min, m.name || ""];
    });
  }

  function load() {
    state.timer = null;
    if (state.pending) state.pending.abort();
    var pending = state.pending = new AbortController();
    var url = state.fetchUrl + "?bbox=" + viewBbox() + "&limit=" + state.fetchLimit;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" },
                 signal: pending.signal })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (body) {
        if (state.pending !== pending) return;
        state.pending = null;
        draw(toPoints(body.members));
        note(body.truncated ? "已显示 " + body.count + " / 共 " + body.total + " 人，请放大查看"
                            : "可视范围内 " + body.count + " 人在岗");
      })
      .catch(function (err) {
        if (err.name === "AbortError" || state.pending !== pending) return;
        state.pending = null;
        note("成员位置加载失败，请稍后移动地图重试");
      });
  }

  function schedule() {
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(load, DEBOUNCE_MS);
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
    state.shown = Datum.create(conf.datum);
    makeGroups();
    if (conf.fetchUrl) {
      state.fetchUrl = conf.fetchUrl;
      state.fetchLimit = conf.fetchLimit;
      map.on("moveend", schedule);
      schedule();
    } else {
      draw(conf.points);
    }
    map.on("zoomend", resize);
    attachControls();
    restyle();
  }

  window.MemberMap = { setup: setup, cellStyle: cellStyle, popupHtml: popupHtml };
})();
