/* gridgov dispatcher's page: the waiting queue (polled), a demand's grid and ranked candidates
 * on the map with straight lines labelled by distance, one-click assignment, keyboard control.
 * Needs Leaflet and Datum (datum.js): the API answers WGS84, drawn in config.datum (the tiles').
 * Text from data becomes HTML only through esc() (Leaflet tooltips); everything else is built
 * with textContent. */
(function () {
  "use strict";

  var ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  var config = {
    queueUrl: "/api/v1/dispatch/queue", candidatesUrl: "/api/v1/demands/__code__/candidates",
    transitionsUrl: "/api/v1/demands/__code__/transitions", gridApiUrl: "/api/v1/grids/__code__",
    gridPageUrl: "/grids/__code__", demandPageUrl: "/staff/demands/__code__",
    pollMs: 10000, candidateLimit: 9, departments: {}, datum: "wgs84"
  };
  var state = {
    map: null, shown: null, queueLayer: null, overlay: null, items: [], waiting: 0, fetchedAt: 0,
    cursorCode: null, selected: null, candidates: [], picked: -1, marks: [], seq: 0,
    loading: false, busy: false, gone: false, noteDone: null, done: {}
  };

  function esc(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return ESCAPES[c];
    });
  }

  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function url(template, code) { return template.replace("__code__", encodeURIComponent(code)); }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function localTime(iso) {
    if (!iso) return "—";
    return new Date(iso).toLocaleString("zh-CN", {
      timeZone: "Asia/Shanghai", hour12: false, year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit"
    });
  }

  function age(item) {
    var s = Math.max(0, item.age_s + Math.round((Date.now() - state.fetchedAt) / 1000));
    if (s < 60) return "不到 1 分钟";
    if (s < 3600) return Math.floor(s / 60) + " 分钟";
    if (s < 86400) return Math.floor(s / 3600) + " 小时 " + Math.floor((s % 3600) / 60) + " 分";
    return Math.floor(s / 86400) + " 天 " + Math.floor((s % 86400) / 3600) + " 小时";
  }

  function metres(m) {
    return m === null || m === undefined ? "无位置" : Math.round(m).toLocaleString("zh-CN") + " 米";
  }

  function api(method, href, body) {
    var opts = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.headers["X-CSRFToken"] = csrfToken();
      opts.body = JSON.stringify(body);
    }
    return fetch(href, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        return { ok: r.ok, status: r.status, data: data };
      });
    });
  }

  function errorText(res) {
    if (res.status === 401) return "登录已过期，请重新登录后再试。";
    var err = (res.data && res.data.error) || {};
    var fields = err.fields ? Object.keys(err.fields).map(function (k) { return err.fields[k]; }) : [];
    return (err.message || "操作失败（" + res.status + "）") + (fields.length ? "：" + fields.join("；") : "");
  }

  function say(text, kind) {
    var box = $("dispatch-message");
    box.className = "dispatch-message" + (text ? " alert alert-" + (kind || "info") + " py-1 px-2" : "");
    box.textContent = text || "";
  }

  /* ---- the queue ---------------------------------------------------------------------- */

  function badge(cls, text) { return el("span", "badge " + cls + " me-1", text); }

  function queueLabel(item) {
    var parts = [];
    if (item.urgent) parts.push("紧急");
    if (item.overdue) parts.push("已超期");
    parts.push(item.title, item.category_name, item.community_name || item.grid_code, "已等待 " + age(item));
    return parts.join("，");
  }

  function queueButton(item) {
    var b = el("button", "queue-item");
    b.type = "button";
    b.setAttribute("data-code", item.code);
    b.setAttribute("aria-label", queueLabel(item));
    b.setAttribute("aria-pressed", state.selected && state.selected.code === item.code ? "true" : "false");
    var head = el("span", "q-meta");
    if (item.urgent) head.appendChild(badge("badge-urgent", "紧急"));
    if (item.overdue) head.appendChild(badge("badge-overdue", "超期"));
    if (item.joined_residents > 0) head.appendChild(badge("badge-joined", "附议 " + item.joined_residents));
    head.appendChild(el("span", "q-code", item.code));
    b.appendChild(head);
    b.appendChild(el("span", "q-title", item.title));
    b.appendChild(el("span", "q-meta", item.category_name + " · " + (item.community_name || item.grid_code)));
    b.appendChild(el("span", "q-meta", "已等待 " + age(item)));
    b.addEventListener("click", function () { state.cursorCode = item.code; open(item); });
    b.addEventListener("focus", function () { state.cursorCode = item.code; markCurrent(); });
    return b;
  }

  function cursorIndex() {
    for (var i = 0; i < state.items.length; i++) {
      if (state.items[i].code === state.cursorCode) return i;
    }
    return -1;
  }

  function queueButtons() { return $("queue-list").querySelectorAll(".queue-item"); }

  function markCurrent() {
    var buttons = queueButtons();
    for (var i = 0; i < buttons.length; i++) {
      var code = buttons[i].getAttribute("data-code");
      buttons[i].classList.toggle("is-current", code === state.cursorCode);
      buttons[i].setAttribute("aria-pressed", state.selected && state.selected.code === code ? "true" : "false");
    }
  }

  function renderQueue(oldIndex) {
    var list = $("queue-list");
    var active = document.activeElement;
    var hadFocus = !!(active && active.classList && active.classList.contains("queue-item"));
    if (cursorIndex() < 0 && state.items.length && oldIndex >= 0) {
      state.cursorCode = state.items[Math.min(oldIndex, state.items.length - 1)].code;
    }
    list.textContent = "";
    state.items.forEach(function (item) {
      var li = el("li");
      li.appendChild(queueButton(item));
      list.appendChild(li);
    });
    if (!state.items.length) list.appendChild(el("li", "text-muted small", "队列为空：没有待派单的诉求。"));
    $("queue-count").textContent = String(state.waiting);
    markCurrent();
    var i = cursorIndex();
    if (hadFocus && i >= 0) queueButtons()[i].focus();
  }

  function queueColour(item) { return item.urgent ? "#c62828" : item.overdue ? "#ef6c00" : "#1f77b4"; }

  function drawQueue() {
    state.queueLayer.clearLayers();
    state.items.forEach(function (item) {
      if (item.lon === null || item.lat === null) return;
      var c = queueColour(item);
      L.circleMarker(state.shown.latLng(item.lat, item.lon), {
        radius: 6, color: "#ffffff", weight: 1.5, fillColor: c, fillOpacity: 0.9, className: "queue-dot"
      }).bindTooltip(function () {
        return "<strong>" + esc(item.title) + "</strong><br>" + esc(item.code) + " · " + esc(item.category_name);
      }).on("click", function () { state.cursorCode = item.code; open(item); }).addTo(state.queueLayer);
    });
  }

  function findItem(code) {
    for (var i = 0; i < state.items.length; i++) if (state.items[i].code === code) return state.items[i];
    return null;
  }

  function notJustDone(item) {
    /* a poll already under way when we assigned may still list the demand for a moment */
    var at = state.done[item.code];
    return !at || Date.now() - at > 2 * config.pollMs;
  }

  function refresh() {
    if (state.loading) return;
    state.loading = true;
    var oldIndex = cursorIndex();
    api("GET", config.queueUrl).then(function (res) {
      state.loading = false;
      if (!res.ok) { $("queue-status").textContent = "队列读取失败：" + errorText(res); return; }
      state.items = (res.data.demands || []).filter(notJustDone);
      state.waiting = res.data.waiting || 0;
      state.fetchedAt = Date.now();
      renderQueue(oldIndex);
      drawQueue();
      checkSelected();
      $("queue-status").textContent = "共 " + state.waiting + " 条待派单；更新于 " +
        new Date().toLocaleTimeString("zh-CN", { hour12: false }) + "（每 " + Math.round(config.pollMs / 1000) + " 秒自动刷新）";
    }, function () {
      state.loading = false;
      $("queue-status").textContent = "网络错误：队列暂未更新，稍后自动重试。";
    });
  }

  function checkSelected() {
    if (!state.selected) return;
    var fresh = findItem(state.selected.code);
    state.gone = !fresh;
    if (fresh) { state.selected = fresh; return; }
    $("candidates-note").textContent = "该诉求已不在待派单队列中（可能已被派单或合并），不能再派单。";
    var buttons = $("candidate-list").querySelectorAll(".candidate-assign");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
  }

  function move(delta) {
    if (!state.items.length) return;
    var i = cursorIndex();
    i = i < 0 ? 0 : Math.max(0, Math.min(state.items.length - 1, i + delta));
    state.cursorCode = state.items[i].code;
    queueButtons()[i].focus();
    markCurrent();
  }

  /* ---- one demand: details, grid, candidates ---------------------------------------- */

  function row(dl, label, value, href) {
    dl.appendChild(el("dt", null, label));
    var dd = el("dd");
    if (href) {
      var a = el("a", null, value);
      a.href = href;
      dd.appendChild(a);
    } else {
      dd.textContent = value === null || value === undefined || value === "" ? "—" : String(value);
    }
    dl.appendChild(dd);
  }

  function renderDetail(d) {
    var box = $("demand-detail");
    box.textContent = "";
    box.className = "demand-detail";
    var head = el("div");
    if (d.urgent) head.appendChild(badge("badge-urgent", "紧急"));
    if (d.overdue) head.appendChild(badge("badge-overdue", "超期"));
    head.appendChild(el("span", "demand-detail-title", d.title));
    box.appendChild(head);
    var dl = el("dl");
    row(dl, "编号", d.code, url(config.demandPageUrl, d.code));
    row(dl, "分类", d.category_code + " " + d.category_name);
    row(dl, "网格", d.grid_code + " " + (d.grid_name || ""), url(config.gridPageUrl, d.grid_code));
    row(dl, "社区", (d.community_name || "—") + " · " + (d.street_name || "—"));
    row(dl, "地址", d.address);
    row(dl, "来源", d.source_label);
    row(dl, "登记", localTime(d.created_at) + "（已等待 " + age(d) + "）");
    row(dl, "时限", localTime(d.deadline));
    if (d.joined_residents > 0) row(dl, "附议", d.joined_residents + " 人");
    box.appendChild(dl);
    if (d.description) box.appendChild(el("p", "d-description", d.description));
    box.hidden = false;
    $("detail-empty").hidden = true;
  }

  function clearSelection() {
    state.selected = null;
    state.candidates = [];
    state.picked = -1;
    state.marks = [];
    state.seq += 1;
    state.overlay.clearLayers();
    $("demand-detail").hidden = true;
    $("detail-empty").hidden = false;
    $("candidate-list").textContent = "";
    $("candidates-note").textContent = "";
    markCurrent();
  }

  function open(item) {
    state.selected = item;
    state.gone = false;
    state.candidates = [];
    state.picked = -1;
    state.marks = [];
    var seq = (state.seq += 1);
    markCurrent();
    renderDetail(item);
    say("");
    $("candidate-list").textContent = "";
    $("candidates-note").textContent = "正在计算候选人员…";
    state.overlay.clearLayers();
    var at = state.shown.latLng(item.lat, item.lon);
    L.circleMarker(at, {
      radius: 10, color: "#ffffff", weight: 3, fillColor: "#c62828", fillOpacity: 1, className: "demand-dot"
    }).bindTooltip(function () { return "<strong>" + esc(item.title) + "</strong>"; }).addTo(state.overlay);
    // no animation: Leaflet ignores a fitBounds that arrives while a zoom is still animating
    state.map.setView(at, Math.max(state.map.getZoom(), 15), { animate: false });
    loadGrid(item, seq);
    loadCandidates(item, seq);
  }

  function loadGrid(item, seq) {
    api("GET", url(config.gridApiUrl, item.grid_code)).then(function (res) {
      if (seq !== state.seq || !res.ok) return;
      var grid = L.geoJSON(state.shown.geojson(res.data), {
        interactive: false,
        style: function () {
          return { color: "#c00000", weight: 3, dashArray: null, fillColor: "#c00000", fillOpacity: 0.08, className: "selected-grid" };
        }
      });
      state.overlay.addLayer(grid);
      grid.bringToBack();
    });
  }

  function loadCandidates(item, seq) {
    var href = url(config.candidatesUrl, item.code) + "?limit=" + encodeURIComponent(config.candidateLimit);
    api("GET", href).then(function (res) {
      if (seq !== state.seq) return;
      if (!res.ok) { $("candidates-note").textContent = errorText(res); return; }
      state.candidates = res.data.candidates || [];
      $("candidates-note").textContent = state.candidates.length
        ? "距离为" + (res.data.distance || "直线距离") : "没有可派的候选人员。";
      renderCandidates(item);
      drawCandidates(item);
      checkSelected();
    }, function () { if (seq === state.seq) $("candidates-note").textContent = "网络错误：候选人员未能读取。"; });
  }

  function candidateText(c) {
    var duty = c.on_duty ? "在岗" : "不在岗";
    var dept = c.department_code ? config.departments[c.department_code] || c.department_code : "";
    return [c.kind_label + (dept ? "（" + dept + "）" : ""), duty,
      "距离 " + metres(c.distance_m), "在办 " + c.workload + " 件"].join(" · ");
  }

  function candidateItem(c, i) {
    var li = el("li", "candidate" + (c.responsible ? "" : " not-responsible"));
    li.id = "candidate-" + (i + 1);
    li.appendChild(el("span", "c-rank", i + 1)).setAttribute("aria-hidden", "true");
    var info = el("div");
    info.appendChild(el("div", "c-name", c.name));
    info.appendChild(el("div", "c-meta", candidateText(c)));
    info.appendChild(el("div", "c-meta", c.reason));
    if (c.stale) info.appendChild(el("div", "c-warn", c.position_age_s === null ? "无位置记录" : "位置已过时（" + Math.round(c.position_age_s / 60) + " 分钟前）"));
    li.appendChild(info);
    var b = el("button", "btn btn-sm " + (c.responsible ? "btn-primary" : "btn-outline-secondary") + " candidate-assign", "派单");
    b.type = "button";
    b.setAttribute("aria-keyshortcuts", i < 9 ? String(i + 1) : "");
    b.setAttribute("aria-label", "派单给第 " + (i + 1) + " 位：" + c.name + "，" + candidateText(c) +
      (c.responsible ? "" : "，非责任人员，需说明理由"));
    b.addEventListener("click", function () { assign(i); });
    b.addEventListener("focus", function () { pick(i, false); });
    li.appendChild(b);
    li.addEventListener("click", function (e) { if (e.target !== b) pick(i, true); });
    return li;
  }

  function renderCandidates() {
    var list = $("candidate-list");
    list.textContent = "";
    state.candidates.forEach(function (c, i) { list.appendChild(candidateItem(c, i)); });
  }

  function drawCandidates(d) {
    var from = state.shown.latLng(d.lat, d.lon);
    var bounds = L.latLngBounds([from]);
    state.marks = state.candidates.map(function (c, i) {
      if (c.lon === null || c.lon === undefined || c.lat === null) return null;
      var colour = c.responsible ? "#0d6efd" : "#6c757d";
      var to = state.shown.latLng(c.lat, c.lon);
      var line = L.polyline([from, to], {
        color: colour, weight: 2, opacity: 0.85, dashArray: c.responsible ? null : "6 4", className: "cand-line"
      }).bindTooltip(esc(metres(c.distance_m)), { permanent: true, direction: "center", className: "distance-label" });
      var icon = L.divIcon({ className: "cand-icon" + (c.responsible ? "" : " not-responsible"), html: esc(i + 1), iconSize: [24, 24] });
      var marker = L.marker(to, { icon: icon, keyboard: false, title: c.name })
        .bindTooltip(function () { return "<strong>" + esc(i + 1) + ". " + esc(c.name) + "</strong><br>" + esc(candidateText(c)) + "<br>" + esc(c.reason); })
        .on("click", function () { pick(i, true); });
      state.overlay.addLayer(line);
      state.overlay.addLayer(marker);
      bounds.extend(to);
      return { line: line, marker: marker };
    });
    if (bounds.isValid()) state.map.fitBounds(bounds, { padding: [40, 40], maxZoom: 16, animate: false });
  }

  function pick(i, focus) {
    if (i < 0 || i >= state.candidates.length) return;
    state.picked = i;
    var items = $("candidate-list").querySelectorAll(".candidate");
    for (var k = 0; k < items.length; k++) items[k].classList.toggle("is-picked", k === i);
    state.marks.forEach(function (m, k) {
      if (!m) return;
      m.line.setStyle({ weight: k === i ? 5 : 2 });
      var node = m.marker.getElement();
      if (node) node.classList.toggle("is-picked", k === i);
    });
    if (focus) items[i].querySelector(".candidate-assign").focus();
  }

  /* ---- assigning ------------------------------------------------------------------------ */

  function askNote(c, done) {
    var dialog = $("note-dialog");
    $("note-text").textContent = c.name + " 不是本网格或相邻网格的责任人员（" + c.reason + "），派单需说明理由。";
    $("note-input").value = "";
    state.noteDone = done;
    dialog.showModal();
    $("note-input").focus();
  }

  function assign(i, note) {
    var c = state.candidates[i], d = state.selected;
    if (!c || !d || state.busy || state.gone) return;
    if (!c.responsible && !note) { askNote(c, function (text) { assign(i, text); }); return; }
    state.busy = true;
    say("正在派单给 " + c.name + "…", "info");
    var body = { action: "dispatch", to: { member: c.member_id } };
    if (note) body.note = note;
    api("POST", url(config.transitionsUrl, d.code), body).then(function (res) {
      state.busy = false;
      var err = (res.data && res.data.error) || {};
      if (res.ok) { dispatched(d, c); return; }
      if (res.status === 422 && err.fields && err.fields.note && !note) {
        askNote(c, function (text) { assign(i, text); });
        return;
      }
      say(errorText(res), "danger");
      if (res.status === 409 || res.status === 404) refresh();
    }, function () { state.busy = false; say("网络错误：派单未完成，请重试。", "danger"); });
  }

  function dispatched(d, c) {
    var index = cursorIndex();
    state.items = state.items.filter(function (x) { return x.code !== d.code; });
    state.waiting = Math.max(0, state.waiting - 1);
    if (state.cursorCode === d.code) state.cursorCode = null;
    state.done[d.code] = Date.now();
    clearSelection();
    renderQueue(index);
    drawQueue();
    say("已派单：" + d.code + "「" + d.title + "」→ " + c.name, "success");
    var i = cursorIndex();
    if (i >= 0) queueButtons()[i].focus();
    refresh();
  }

  /* ---- keyboard ------------------------------------------------------------------------- */

  function typing(t) {
    var tag = t && t.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || !!(t && t.isContentEditable);
  }

  function arrowsAllowed(t) {
    return !t || t === document.body || (t.classList && t.classList.contains("queue-item"));
  }

  function onKey(e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    if (document.querySelector("dialog[open]") || typing(e.target)) return;
    var k = e.key, t = e.target, handled = true;
    if (k === "j" || (k === "ArrowDown" && arrowsAllowed(t))) move(1);
    else if (k === "k" || (k === "ArrowUp" && arrowsAllowed(t))) move(-1);
    else if (k === "Enter" && (!t || (t.tagName !== "BUTTON" && t.tagName !== "A"))) {
      var i = cursorIndex();
      if (i >= 0) open(state.items[i]); else handled = false;
    } else if (/^[1-9]$/.test(k)) pick(Number(k) - 1, true);
    else if (k === "a") assign(state.picked);
    else if (k === "r") refresh();
    else if (k === "?") $("help-dialog").showModal();
    else handled = false;
    if (handled) e.preventDefault();
  }

  function bindDialogs() {
    $("help-open").addEventListener("click", function () { $("help-dialog").showModal(); });
    $("queue-refresh").addEventListener("click", function () { refresh(); });
    $("note-cancel").addEventListener("click", function () { state.noteDone = null; $("note-dialog").close(); });
    $("note-input").addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("note-form").requestSubmit(); }
    });
    $("note-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var text = $("note-input").value.trim();
      if (!text) { $("note-input").focus(); return; }
      var done = state.noteDone;
      state.noteDone = null;
      $("note-dialog").close();
      if (done) done(text);
    });
  }

  function setup(map, conf) {
    Object.keys(conf || {}).forEach(function (k) { config[k] = conf[k]; });
    state.map = map;
    state.shown = window.Datum.create(config.datum);
    state.queueLayer = L.layerGroup().addTo(map);
    state.overlay = L.featureGroup().addTo(map);
    bindDialogs();
    document.addEventListener("keydown", onKey);
    refresh();
    setInterval(refresh, config.pollMs);
  }

  window.Dispatch = { setup: setup, esc: esc, refresh: refresh, open: open, state: state };
})();
