/* gridgov grid map: styles, escaped tooltips and popups, grid search. Needs only Leaflet.
 * Every text that comes from data goes through esc() before it becomes HTML. */
(function () {
  "use strict";

  var ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  var config = { communities: {}, streets: {}, districts: {}, gridUrl: "/grids/__code__", focus: null };
  var state = { map: null, layer: null, cells: [] };

  function esc(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return ESCAPES[c];
    });
  }

  function number(value) {
    return value === null || value === undefined ? "—" : Number(value).toLocaleString("zh-CN");
  }

  function area(m2) {
    if (m2 === null || m2 === undefined) return "—";
    return m2 >= 100000 ? (m2 / 1e6).toFixed(2) + " 平方千米" : number(m2) + " 平方米";
  }

  function gridUrl(code) {
    return config.gridUrl.replace("__code__", encodeURIComponent(code));
  }

  function parents(code) {
    var street = config.streets[code.slice(0, 9)] || {};
    return {
      community: config.communities[code.slice(0, 12)],
      street: street.name,
      district: config.districts[code.slice(0, 6)]
    };
  }

  function gridStyle(feature) {
    var p = feature.properties;
    var focused = config.focus && p.code === config.focus;
    return {
      color: focused ? "#c00000" : "#4a4a4a",
      weight: focused ? 3 : 0.7,
      opacity: 0.9,
      fillColor: p.color || "#999999",
      fillOpacity: config.focus && !focused ? 0.25 : 0.55
    };
  }

  function tooltipHtml(p) {
    return "<strong>" + esc(p.name) + "</strong><br><span class=\"grid-code\">" + esc(p.code) + "</span>";
  }

  function row(label, value) {
    return "<tr><th>" + esc(label) + "</th><td>" + esc(value) + "</td></tr>";
  }

  function popupHtml(p) {
    var up = parents(p.code);
    return "<div class=\"grid-popup\"><div class=\"grid-popup-title\">" + esc(p.name) + "</div>" +
      "<table>" + row("网格编码", p.code) + row("所属社区", up.community) + row("所属街道", up.street) +
      row("所属区县", up.district) + row("网格类型", p.kind) + row("面积", area(p.area_m2)) +
      row("户数", number(p.households)) + row("人口", number(p.population)) + "</table>" +
      "<a href=\"" + esc(gridUrl(p.code)) + "\">查看网格详情 »</a></div>";
  }

  function bindGrid(feature, layer) {
    layer.bindTooltip(function () { return tooltipHtml(feature.properties); }, { sticky: true });
    layer.bindPopup(function () { return popupHtml(feature.properties); }, { maxWidth: 320 });
    layer.on("mouseover", function () { layer.setStyle({ weight: 2.5, color: "#111111" }); });
    layer.on("mouseout", function () { layer.setStyle(gridStyle(feature)); });
  }

  function districtStyle() {
    return { color: "#333333", weight: 2.5, opacity: 0.9, dashArray: "8 5", fill: false };
  }

  function riverStyle() {
    return { color: "#1b6ec2", weight: 4, opacity: 0.85 };
  }

  function bindRiver(feature, layer) {
    var p = feature.properties;
    layer.bindTooltip(function () {
      return esc(p.name) + (p.synthetic ? "（示意走向）" : "");
    }, { sticky: true });
  }

  function matches(query) {
    var q = query.trim();
    if (!q) return [];
    var found = [];
    for (var i = 0; i < state.cells.length && found.length < 20; i++) {
      var p = state.cells[i].feature.properties;
      if (p.code.indexOf(q) !== -1 || p.name.indexOf(q) !== -1) found.push(state.cells[i]);
    }
    return found;
  }

  function show(cell) {
    if (!state.map.hasLayer(state.layer)) state.map.addLayer(state.layer);
    state.map.fitBounds(cell.getBounds(), { maxZoom: 16, padding: [40, 40] });
    cell.openPopup(cell.getBounds().getCenter());
  }

  function renderResults(list, found, query) {
    list.textContent = "";
    found.forEach(function (cell) {
      var p = cell.feature.properties;
      var item = document.createElement("button");
      item.type = "button";
      item.className = "list-group-item list-group-item-action py-1";
      item.textContent = p.name + "　" + p.code;
      item.addEventListener("click", function () { show(cell); });
      list.appendChild(item);
    });
    if (!found.length && query.trim()) {
      var none = document.createElement("div");
      none.className = "list-group-item text-muted py-1";
      none.textContent = "没有匹配的网格";
      list.appendChild(none);
    }
  }

  function attachSearch() {
    var input = document.getElementById("grid-search");
    var list = document.getElementById("grid-search-results");
    if (!input || !list) return;
    var form = input.form;
    input.addEventListener("input", function () { renderResults(list, matches(input.value), input.value); });
    if (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var found = matches(input.value);
        if (found.length) show(found[0]);
      });
    }
  }

  function setup(map, layer, conf) {
    Object.keys(conf || {}).forEach(function (k) { config[k] = conf[k]; });
    state.map = map;
    state.layer = layer;
    state.cells = layer.getLayers();
    layer.setStyle(gridStyle);
    attachSearch();
  }

  function find(code) {
    for (var i = 0; i < state.cells.length; i++) {
      if (state.cells[i].feature.properties.code === code) return state.cells[i];
    }
    return null;
  }

  window.GridMap = {
    esc: esc, gridStyle: gridStyle, bindGrid: bindGrid, districtStyle: districtStyle,
    riverStyle: riverStyle, bindRiver: bindRiver, setup: setup, matches: matches,
    show: show, find: find, popupHtml: popupHtml, tooltipHtml: tooltipHtml
  };
})();
