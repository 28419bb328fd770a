/* 随手拍 (ES module): "最近的红色驿站" — the nearest stations to the rider's position, fetched
 * from GET /api/v1/stations once the position is known (GPS as wgs84, a map tap in the map's
 * datum as crs). Every text from data is set with textContent; the only answer shown is the
 * one for the latest position. */

import { el } from "../lib/dom.js";
import { api } from "../lib/http.js";

const LIMIT = 3;

function metres(m) {
  return "约 " + Math.round(m).toLocaleString("zh-CN") + " 米";
}

function geoUrl(s) {
  var at = s.lat.toFixed(6) + "," + s.lon.toFixed(6);
  return "geo:" + at + "?q=" + at + "(" + encodeURIComponent(s.name) + ")";
}

/** Return a station's list item (textContent only). */
export function item(s) {
  var li = el("li", "station");
  var head = el("div", "station-head");
  head.appendChild(el("strong", "station-name", s.name));
  head.appendChild(el("span", "station-dist", metres(s.distance_m)));
  li.appendChild(head);
  if (s.kind !== "red_station") li.appendChild(el("p", "station-kind", s.kind_label));
  var chips = el("ul", "station-services");
  (s.service_labels || []).forEach(function (label) { chips.appendChild(el("li", "chip", label)); });
  li.appendChild(chips);
  if (s.opening_hours) li.appendChild(el("p", "station-hours", "开放时间：" + s.opening_hours));
  if (s.address) li.appendChild(el("p", "station-address", s.address));
  var go = el("a", "btn btn-secondary station-go", "在手机地图中打开");
  go.href = geoUrl(s);
  li.appendChild(go);
  li.appendChild(el("p", "hint station-coords",
                    "坐标（WGS84）：" + s.lat.toFixed(5) + ", " + s.lon.toFixed(5)));
  return li;
}

/** Return {show(lon, lat, crs)} listing the nearest stations in `list`. */
export function create(section, list, status, url) {
  var latest = 0;

  function say(text) { status.textContent = text; status.hidden = !text; }

  function render(stations) {
    list.textContent = "";
    stations.forEach(function (s) { list.appendChild(item(s)); });
    say(stations.length ? "" : "附近暂无驿站信息。");
  }

  function show(lon, lat, crs) {
    var ticket = ++latest;
    section.hidden = false;
    say("正在查找最近的红色驿站…");
    var q = "?lon=" + encodeURIComponent(lon) + "&lat=" + encodeURIComponent(lat) +
      "&crs=" + encodeURIComponent(crs || "wgs84") + "&limit=" + LIMIT;
    api("GET", url + q).then(function (res) {
      if (ticket !== latest) return;
      if (res.ok) { render(res.data.stations || []); return; }
      list.textContent = "";
      say("该位置不在本市范围内，无法查找驿站。");
    }).catch(function () {
      if (ticket === latest) say("驿站信息暂时无法加载。");
    });
  }

  return { show: show };
}
