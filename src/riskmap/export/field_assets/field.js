/* riskmap field page: record risk points and re-inspections offline, export a
 * change-set (docs/CHANGESET_FORMAT.md). Needs only Leaflet.
 * Every data text reaches the page through textContent or a form value, never
 * through innerHTML; the data arrives as JSON in <script id="rm-data">. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("rm-data").textContent);
  var LANG_KEY = "riskmap-field-lang";
  var lang = readLang();
  var DB_NAME = "riskmap-field-" + D.project_id + "-" + D.community_id;
  var MAX_PX = 1600;
  /* The fields a worker fills most; the rest fold away under "more". */
  var MAIN_FIELDS = ["name", "type", "level", "status", "responsible", "phone", "measures",
                     "deadline", "address", "note"];
  var PHONE = /^\+?[\d*][\d\-\s*()]{4,19}$/;

  var T = {
    zh: {
      add_gps: "定位新增", add_tap: "点图新增", export: "导出", locate: "定位",
      menu: "图层与记录", unexported: "未导出 {n}", all_exported: "已全部导出",
      gps_wait: "正在获取定位…", gps_ok: "定位精度 ±{m} m",
      gps_bad: "定位精度 ±{m} m，差于 {limit} m",
      gps_denied: "定位被拒绝：请在浏览器设置中允许定位；也可以点图新增。",
      gps_unavailable: "无法定位（无卫星信号或定位服务关闭）；可以点图新增。",
      gps_timeout: "定位超时；可以点图新增。",
      gps_none: "此浏览器不提供定位（从文件打开时部分浏览器不允许）；可以点图新增。",
      gps_no_fix: "还没有定位结果。请稍候再试，或点图新增。",
      ask_accuracy: "定位精度 ±{m} m，差于 {limit} m。仍然使用这个位置吗？",
      use_anyway: "仍然使用", tap_instead: "改为点图", cancel: "取消",
      tap_hint: "请点击地图上隐患所在位置", more: "更多项目（评估方法、威胁、监测等）", new_point: "新增隐患点",
      inspect: "巡查", inspect_title: "巡查：{name}", save: "保存",
      required: "必填", not_number: "不是数字", negative: "须为不小于 0 的数",
      whole: "须为整数", not_choice: "须为以下之一：{c}", not_phone: "不是电话号码",
      not_date: "日期格式须为 YYYY-MM-DD", lec_value: "LEC 取值须为：{c}",
      level_disagrees: "风险等级 {g} 与 {m} 计算结果 {c} 不一致",
      needs_inputs: "所选评估方法缺少输入",
      derived: "类别 {cat} · 风险等级 {lv}（{how}）", by_lec: "LEC D={d}",
      by_ls: "LS R={r}", by_direct: "直接给定", by_default: "类型默认",
      photos: "照片", add_photos: "拍照/选择照片", photo_fail: "照片无法读取：{n}",
      note: "巡查记录", status: "状态", saved: "已保存到本机浏览器（尚未导出）",
      fix_errors: "请先改正标红的项目", exported: "已导出 {n} 条记录：{f}",
      nothing: "没有记录可以导出", worker: "网格员姓名",
      worker_hint: "写入导出文件，用于合并时的修改记录",
      layers: "图层", l_cells: "风险网格", l_points: "台账隐患点", l_shelters: "避难场所",
      l_hill: "山体阴影", l_new: "本机新记录", records: "本机记录",
      no_records: "还没有记录", rec_add: "新增", rec_edit: "巡查", rec_delete: "删除",
      rec_exported: "已导出", rec_pending: "未导出", remove: "删除这条记录",
      remove_ask: "删除这条尚未合并的记录？此操作不能撤销。",
      storage_warn: "浏览器存储可能被清除：记录只有导出成文件并交回后才安全。",
      storage_fail: "此浏览器无法保存记录（存储不可用）；请立即导出。",
      legend: "风险等级", shelter: "避难场所", capacity: "容量", version: "版本",
      where_gps: "位置：定位 ±{m} m（{lon}, {lat}）",
      where_tap: "位置：地图点选（{lon}, {lat}）", leave: "有未导出的记录",
      help: "使用说明：定位新增在当前位置登记；点图新增在地图上点选位置。" +
        "保存后记录留在本机浏览器中，点“导出”下载变更文件交给社区，" +
        "由 riskmap points merge 合并到台账。"
    },
    en: {
      add_gps: "Add here", add_tap: "Add by tap", export: "Export", locate: "Locate",
      menu: "Layers & records", unexported: "{n} not exported", all_exported: "All exported",
      gps_wait: "Getting your position…", gps_ok: "Position ±{m} m",
      gps_bad: "Position ±{m} m, worse than {limit} m",
      gps_denied: "Location was refused: allow it in the browser settings, or add by tapping the map.",
      gps_unavailable: "No position (no satellite fix or location off); add by tapping the map.",
      gps_timeout: "Positioning timed out; add by tapping the map.",
      gps_none: "This browser gives no location here (some refuse it for files); add by tapping the map.",
      gps_no_fix: "No position yet. Wait a moment, or add by tapping the map.",
      ask_accuracy: "Position accuracy ±{m} m is worse than {limit} m. Use it anyway?",
      use_anyway: "Use it", tap_instead: "Tap instead", cancel: "Cancel",
      tap_hint: "Tap the map where the hazard is", more: "More fields (assessment, exposure, monitoring…)", new_point: "New risk point",
      inspect: "Re-inspect", inspect_title: "Re-inspect: {name}", save: "Save",
      required: "required", not_number: "not a number", negative: "must be a number >= 0",
      whole: "must be a whole number", not_choice: "must be one of {c}",
      not_phone: "not a phone number", not_date: "date must be YYYY-MM-DD",
      lec_value: "LEC values must be one of {c}",
      level_disagrees: "level {g} disagrees with {m} -> {c}",
      needs_inputs: "the chosen method needs all of its inputs",
      derived: "Category {cat} · risk level {lv} ({how})", by_lec: "LEC D={d}",
      by_ls: "LS R={r}", by_direct: "given", by_default: "type default",
      photos: "Photos", add_photos: "Take / choose photos", photo_fail: "Cannot read photo {n}",
      note: "Inspection note", status: "Status", saved: "Saved in this browser (not exported yet)",
      fix_errors: "Please correct the fields marked in red", exported: "Exported {n} records: {f}",
      nothing: "No records to export", worker: "Grid worker's name",
      worker_hint: "Written into the exported file and the change log",
      layers: "Layers", l_cells: "Risk cells", l_points: "Ledger points", l_shelters: "Shelters",
      l_hill: "Hillshade", l_new: "New records here", records: "Records in this browser",
      no_records: "No records yet", rec_add: "add", rec_edit: "re-inspection", rec_delete: "delete",
      rec_exported: "exported", rec_pending: "not exported", remove: "Delete this record",
      remove_ask: "Delete this record before it is merged? This cannot be undone.",
      storage_warn: "Browser storage can be wiped: records are safe only once exported and handed in.",
      storage_fail: "This browser cannot keep records (no storage); export now.",
      legend: "Risk level", shelter: "Shelter", capacity: "Capacity", version: "Version",
      where_gps: "Position: GPS ±{m} m ({lon}, {lat})",
      where_tap: "Position: tapped on the map ({lon}, {lat})", leave: "Records not exported",
      help: "Add here records a point at your position; Add by tap lets you place it on the map. " +
        "Saved records stay in this browser; Export downloads a change file to hand in, " +
        "merged into the ledger with riskmap points merge."
    }
  };

  function tr(key, args) {
    var text = (T[lang] && T[lang][key]) || T.zh[key] || key;
    Object.keys(args || {}).forEach(function (k) {
      text = text.split("{" + k + "}").join(String(args[k]));
    });
    return text;
  }

  function readLang() {
    try { return localStorage.getItem(LANG_KEY) || D.lang; } catch (e) { return D.lang; }
  }

  /* ---- DOM helpers: texts only through textContent ------------------------ */
  function $(id) { return document.getElementById(id); }

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === "text") { node.textContent = props[k]; }
      else if (k === "cls") { node.className = props[k]; }
      else if (k.indexOf("on") === 0) { node.addEventListener(k.slice(2), props[k]); }
      else { node.setAttribute(k, props[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function fieldLabel(name) {
    var pair = D.labels[name];
    return pair ? pair[lang === "en" ? 1 : 0] : name;
  }

  function levelLabel(lv) {
    var spec = D.levels[String(lv)];
    return spec ? lv + " " + spec.label[lang === "en" ? 1 : 0] : String(lv);
  }

  /* ---- storage: IndexedDB, else memory (with a warning) ------------------- */
  var store = { db: null, memory: {} };

  function openDb() {
    return new Promise(function (resolve) {
      var request;
      try { request = indexedDB.open(DB_NAME, 1); } catch (e) { resolve(null); return; }
      request.onupgradeneeded = function () {
        request.result.createObjectStore("records", { keyPath: "uuid" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { resolve(null); };
      request.onblocked = function () { resolve(null); };
    });
  }

  function dbDo(mode, work) {
    return new Promise(function (resolve, reject) {
      var tx = store.db.transaction("records", mode);
      var out = work(tx.objectStore("records"));
      tx.oncomplete = function () { resolve(out && out.result); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error); };
    });
  }

  function allRecords() {
    if (!store.db) {
      return Promise.resolve(Object.keys(store.memory).map(function (k) { return store.memory[k]; }));
    }
    return dbDo("readonly", function (os) { return os.getAll(); }).then(function (rows) {
      return rows.sort(function (a, b) { return a.recorded_at < b.recorded_at ? -1 : 1; });
    });
  }

  function putRecords(records) {
    if (!store.db) {
      records.forEach(function (r) { store.memory[r.uuid] = r; });
      return Promise.resolve();
    }
    return dbDo("readwrite", function (os) { records.forEach(function (r) { os.put(r); }); });
  }

  function deleteRecord(uuid) {
    if (!store.db) { delete store.memory[uuid]; return Promise.resolve(); }
    return dbDo("readwrite", function (os) { os.delete(uuid); });
  }

  /* ---- ids and times ------------------------------------------------------ */
  function uuid4() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function localIso(d) {
    var off = -d.getTimezoneOffset(), sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) +
      sign + pad(Math.floor(off / 60)) + ":" + pad(off % 60);
  }

  function stamp(d) {
    return d.getFullYear() + pad(d.getMonth() + 1) + pad(d.getDate()) +
      pad(d.getHours()) + pad(d.getMinutes()) + pad(d.getSeconds());
  }

  function fileSafe(text) {
    return String(text || "").replace(/[^\p{L}\p{N}\-]+/gu, "_").replace(/^_+|_+$/g, "").slice(0, 40) || "x";
  }

  /* ---- validation: the ledger's rules (riskmap.registry.fields) ----------- */
  var TYPES = {};
  D.types.forEach(function (t) { TYPES[t[0]] = { category: t[1], level: t[2], en: t[3] }; });
  var FIELD = {};
  D.fields.forEach(function (f) { FIELD[f.name] = f; });

  function lecLevel(d) {
    var r = D.rules.lec;
    if (d > r[0]) { return 1; }
    if (d >= r[1]) { return 2; }
    return d >= r[2] ? 3 : 4;
  }

  function lsLevel(x) {
    var r = D.rules.ls;
    if (x >= r[0]) { return 1; }
    if (x >= r[1]) { return 2; }
    return x >= r[2] ? 3 : 4;
  }

  function convert(f, raw) {
    var text = String(raw).trim();
    if (f.kind === "int" || f.kind === "float") {
      var n = Number(text);
      if (text === "" || isNaN(n)) { throw tr("not_number"); }
      if (n < 0) { throw tr("negative"); }
      if (f.kind === "int" && n !== Math.floor(n)) { throw tr("whole"); }
      if (f.choices.length && f.choices.indexOf(n) < 0) { throw tr("not_choice", { c: f.choices.join("/") }); }
      return n;
    }
    if (f.kind === "phone" && !PHONE.test(text)) { throw tr("not_phone"); }
    if (f.kind === "date" && !/^\d{4}-\d{2}-\d{2}$/.test(text)) { throw tr("not_date"); }
    if (f.kind === "choice" && f.name !== "type" && f.choices.indexOf(text) < 0) {
      throw tr("not_choice", { c: f.choices.join("/") });
    }
    return text;
  }

  /* {values, errors, level, how}: the same checks the ledger makes on merge. */
  function validate(raw, requireAll) {
    var values = {}, errors = {};
    Object.keys(raw).forEach(function (k) {
      var f = FIELD[k];
      if (!f || raw[k] === null || String(raw[k]).trim() === "") { return; }
      try { values[k] = convert(f, raw[k]); } catch (msg) { errors[k] = String(msg); }
    });
    if (requireAll) {
      D.fields.forEach(function (f) {
        if (f.required && values[f.name] === undefined && !errors[f.name]) { errors[f.name] = tr("required"); }
      });
    }
    var lec = ["lec_l", "lec_e", "lec_c"].map(function (k) { return values[k]; });
    var ls = ["ls_l", "ls_s"].map(function (k) { return values[k]; });
    var level = values.level, how = level !== undefined ? tr("by_direct") : "";
    var all = function (a) { return a.every(function (v) { return v !== undefined; }); };
    if (all(lec)) {
      lec.forEach(function (v, i) {
        var allowed = D.rules.lec_values[i];
        if (allowed.indexOf(v) < 0) { errors[["lec_l", "lec_e", "lec_c"][i]] = tr("lec_value", { c: allowed.join("/") }); }
      });
      var d = lec[0] * lec[1] * lec[2], c = lecLevel(d);
      how = tr("by_lec", { d: Number(d.toFixed(2)) });
      if (level !== undefined && level !== c) { errors.level = tr("level_disagrees", { g: level, m: "LEC", c: c }); }
      level = c;
    } else if (all(ls)) {
      var x = ls[0] * ls[1], s = lsLevel(x);
      how = tr("by_ls", { r: x });
      if (level !== undefined && level !== s) { errors.level = tr("level_disagrees", { g: level, m: "LS", c: s }); }
      level = s;
    } else if (level === undefined && values.type) {
      level = TYPES[values.type] ? TYPES[values.type].level : 3;
      how = tr("by_default");
    }
    var category = values.type && TYPES[values.type] ? TYPES[values.type].category : "";
    return { values: values, errors: errors, level: level, how: how, category: category };
  }

  /* ---- photos: scaled in the page to at most 1600 px, JPEG ---------------- */
  function scalePhoto(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        var w = img.naturalWidth, h = img.naturalHeight;
        var k = Math.min(1, MAX_PX / Math.max(w, h));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(w * k));
        canvas.height = Math.max(1, Math.round(h * k));
        var g = canvas.getContext("2d");
        g.fillStyle = "#fff";
        g.fillRect(0, 0, canvas.width, canvas.height);
        g.drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        var data = canvas.toDataURL("image/jpeg", 0.85).split(",")[1];
        var base = String(file.name || "photo").replace(/\.[^.]*$/, "");
        resolve({ name: base + ".jpg", media_type: "image/jpeg", data: data,
                  width: canvas.width, height: canvas.height });
      };
      img.onerror = function () { URL.revokeObjectURL(url); reject(file.name); };
      img.src = url;
    });
  }

  /* ---- the map ------------------------------------------------------------ */
  var map, layers = {}, gps = { fix: null, state: "wait", marker: null, circle: null };
  var tapMode = false;

  function decode(flat) {
    var out = [], x = 0, y = 0, s = D.enc.scale, o = D.enc.origin;
    for (var k = 0; k < flat.length; k += 2) {
      x += flat[k]; y += flat[k + 1];
      out.push([o[1] + y / s, o[0] + x / s]);
    }
    return out;
  }

  function polys(list) {
    return list.map(function (rings) { return rings.map(decode); });
  }

  function buildMap() {
    /* One canvas for every vector layer: a second canvas on top would take the taps. */
    var renderer = L.canvas({ padding: 0.5, tolerance: 6 });
    map = L.map("map", { renderer: renderer, zoomControl: false, attributionControl: false, zoomSnap: 0.25 });
    L.control.zoom({ position: "bottomright" }).addTo(map);
    map.fitBounds(D.bounds);
    layers.hill = L.layerGroup();
    if (D.hillshade) {
      L.imageOverlay(D.hillshade.url, D.hillshade.bounds, { opacity: 0.9 }).addTo(layers.hill);
    }
    layers.cells = L.layerGroup();
    Object.keys(D.cells).sort().reverse().forEach(function (lv) {
      L.polygon(polys(D.cells[lv]), {
        renderer: renderer, stroke: false, fillColor: D.levels[lv].color,
        fillOpacity: 0.45, interactive: false
      }).addTo(layers.cells);
    });
    layers.boundary = L.polygon(polys(D.boundary), {
      renderer: renderer, color: "#222", weight: 2, fill: false, dashArray: "6 4", interactive: false
    });
    layers.shelters = L.layerGroup();
    D.shelters.forEach(function (s) {
      L.circleMarker([s.lat, s.lon], {
        renderer: renderer, radius: 8, color: "#fff", weight: 2, fillColor: "#1a9850", fillOpacity: 1
      }).bindPopup(function () { return shelterPopup(s); }).addTo(layers.shelters);
    });
    layers.points = L.layerGroup();
    D.points.forEach(function (p) {
      var color = p.level ? D.levels[String(p.level)].color : "#777";
      L.circleMarker([p.lat, p.lon], {
        renderer: renderer, radius: 10, color: "#111", weight: 2, fillColor: color, fillOpacity: 1
      }).bindPopup(function () { return pointPopup(p); }).addTo(layers.points);
    });
    layers.mine = L.layerGroup();
    ["hill", "cells", "boundary", "shelters", "points", "mine"].forEach(function (k) { layers[k].addTo(map); });
    map.on("click", function (e) {
      if (!tapMode) { return; }
      setTapMode(false);
      openAddForm({ lon: e.latlng.lng, lat: e.latlng.lat, source: "manual", accuracy: null });
    });
  }

  function table(rows) {
    return el("table", {}, rows.map(function (r) {
      return el("tr", {}, [el("td", { text: r[0] }), el("td", { text: r[1] })]);
    }));
  }

  function pointPopup(p) {
    var rows = Object.keys(p.f).filter(function (k) { return k !== "name"; }).map(function (k) {
      var v = k === "level" ? levelLabel(p.f[k]) : p.f[k];
      return [fieldLabel(k), v];
    });
    rows.unshift([fieldLabel("id"), p.id]);
    rows.push([tr("version"), String(p.version)]);
    return el("div", { cls: "pop" }, [
      el("h3", { text: p.f.name || p.id }), table(rows),
      el("button", { type: "button", text: tr("inspect"), cls: "primary",
                     onclick: function () { map.closePopup(); openInspectForm(p); } })
    ]);
  }

  function shelterPopup(s) {
    var rows = s.capacity ? [[tr("capacity"), s.capacity]] : [];
    return el("div", { cls: "pop" }, [el("h3", { text: s.name || tr("shelter") }), table(rows)]);
  }

  function drawMine(records) {
    layers.mine.clearLayers();
    records.forEach(function (r) {
      if (r.lat === null || r.lat === undefined) { return; }
      L.circleMarker([r.lat, r.lon], {
        radius: 9, color: "#6a1b9a", weight: 3, dashArray: "3 3", fillColor: "#fff", fillOpacity: 0.9
      }).bindPopup(function () {
        return el("div", { cls: "pop" }, [
          el("h3", { text: r.label || r.fields.name || r.point_id || "" }),
          table([[tr(r.exported ? "rec_exported" : "rec_pending"), r.recorded_at]])
        ]);
      }).addTo(layers.mine);
    });
  }

  /* ---- GPS ---------------------------------------------------------------- */
  function showGps() {
    var box = $("gps"), limit = D.accuracy_limit_m;
    box.classList.remove("warn");
    if (gps.state === "ok") {
      var m = Math.round(gps.fix.accuracy);
      box.textContent = tr(m > limit ? "gps_bad" : "gps_ok", { m: m, limit: limit });
      if (m > limit) { box.classList.add("warn"); }
    } else {
      box.textContent = tr("gps_" + gps.state);
      if (gps.state !== "wait") { box.classList.add("warn"); }
    }
  }

  function startGps() {
    if (!navigator.geolocation || window.isSecureContext === false) {
      gps.state = "none"; showGps(); return;
    }
    navigator.geolocation.watchPosition(function (pos) {
      gps.fix = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy };
      gps.state = "ok";
      var ll = [gps.fix.lat, gps.fix.lon];
      if (!gps.marker) {
        gps.circle = L.circle(ll, { radius: gps.fix.accuracy, color: "#1565c0", weight: 1, fillOpacity: 0.12, interactive: false }).addTo(map);
        gps.marker = L.circleMarker(ll, { radius: 7, color: "#fff", weight: 2, fillColor: "#1565c0", fillOpacity: 1, interactive: false }).addTo(map);
      } else {
        gps.marker.setLatLng(ll); gps.circle.setLatLng(ll); gps.circle.setRadius(gps.fix.accuracy);
      }
      showGps();
    }, function (err) {
      gps.state = { 1: "denied", 2: "unavailable", 3: "timeout" }[err.code] || "unavailable";
      showGps();
    }, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
    showGps();
  }

  function ask(text, buttons) {
    $("ask-text").textContent = text;
    var row = $("ask-buttons");
    clear(row);
    buttons.forEach(function (b) {
      row.appendChild(el("button", { type: "button", text: b[0], cls: b[2] || "",
                                     onclick: function () { $("ask").hidden = true; b[1](); } }));
    });
    $("ask").hidden = false;
  }

  function addByGps() {
    if (!gps.fix) { ask(tr(gps.state === "wait" ? "gps_no_fix" : "gps_" + gps.state), [[tr("tap_instead"), function () { setTapMode(true); }], [tr("cancel"), function () {}]]); return; }
    var fix = { lon: gps.fix.lon, lat: gps.fix.lat, source: "gps", accuracy: gps.fix.accuracy };
    if (fix.accuracy > D.accuracy_limit_m) {
      ask(tr("ask_accuracy", { m: Math.round(fix.accuracy), limit: D.accuracy_limit_m }), [
        [tr("use_anyway"), function () { openAddForm(fix); }, "primary"],
        [tr("tap_instead"), function () { setTapMode(true); }],
        [tr("cancel"), function () {}]
      ]);
      return;
    }
    openAddForm(fix);
  }

  function setTapMode(on) {
    tapMode = on;
    $("b-add-tap").classList.toggle("primary", on);
    if (on) { ask(tr("tap_hint"), [[tr("cancel"), function () { setTapMode(false); }]]); }
  }

  /* ---- forms -------------------------------------------------------------- */
  var form = null;

  function input(f, value) {
    var node;
    var attrs = { id: "in-" + f.name, name: f.name };
    if (f.name === "type") {
      node = el("input", Object.assign(attrs, { list: "dl-type", autocomplete: "off" }));
      var list = el("datalist", { id: "dl-type" }, D.types.map(function (t) {
        var o = el("option"); o.value = t[0]; o.label = lang === "en" && t[3] ? t[3] : t[1]; return o;
      }));
      node = el("div", {}, [node, list]);
    } else if (f.choices.length || f.name.indexOf("lec_") === 0) {
      var choices = f.choices.length ? f.choices : D.rules.lec_values[["lec_l", "lec_e", "lec_c"].indexOf(f.name)];
      node = el("select", attrs, [el("option", { value: "", text: "—" })].concat(choices.map(function (c) {
        return el("option", { value: String(c), text: f.name === "level" ? levelLabel(c) : String(c) });
      })));
    } else if (f.name === "measures" || f.name === "note" || f.name === "evacuation_route") {
      node = el("textarea", Object.assign(attrs, { rows: "3" }));
    } else {
      var type = { date: "date", phone: "tel", int: "number", float: "number" }[f.kind] || "text";
      node = el("input", Object.assign(attrs, { type: type }));
      if (type === "number") { node.setAttribute("inputmode", "decimal"); node.setAttribute("step", "any"); node.setAttribute("min", "0"); }
    }
    var target = node.tagName === "DIV" ? node.firstChild : node;
    if (value !== undefined && value !== null) { target.value = String(value); }
    target.addEventListener("input", refreshDerived);
    target.addEventListener("change", refreshDerived);
    return node;
  }

  function fieldRow(f, value) {
    var label = el("label", { cls: "f", for: "in-" + f.name, text: f.label });
    if (f.required) { label.appendChild(el("span", { cls: "req", text: " *" })); }
    return el("div", {}, [label, input(f, value), el("div", { cls: "err", id: "er-" + f.name })]);
  }

  function photoRow() {
    var thumbs = el("div", { cls: "thumbs", id: "thumbs" });
    var picker = el("input", { type: "file", accept: "image/*", capture: "environment", multiple: "", id: "in-photos" });
    picker.addEventListener("change", function () {
      var files = Array.prototype.slice.call(picker.files || []);
      form.pending = Promise.all(files.map(function (file) {
        return scalePhoto(file).then(function (p) {
          form.photos.push(p);
          thumbs.appendChild(el("img", { src: "data:image/jpeg;base64," + p.data, alt: p.name }));
        }, function (name) { $("er-photos").textContent = tr("photo_fail", { n: name }); });
      }));
      picker.value = "";
    });
    return el("div", {}, [el("label", { cls: "f", for: "in-photos", text: tr("photos") }), picker, thumbs,
                          el("div", { cls: "err", id: "er-photos" })]);
  }

  function openSheet(title, where, rows) {
    $("f-title").textContent = title;
    $("f-where").textContent = where;
    var body = $("f-body");
    clear(body);
    rows.forEach(function (r) { body.appendChild(r); });
    body.appendChild(photoRow());
    $("form").hidden = false;
    $("panel").hidden = true;
  }

  function whereText(fix) {
    var args = { lon: fix.lon.toFixed(6), lat: fix.lat.toFixed(6), m: fix.accuracy === null ? "" : Math.round(fix.accuracy) };
    return tr(fix.source === "gps" ? "where_gps" : "where_tap", args);
  }

  function openAddForm(fix) {
    form = { action: "add", fix: fix, photos: [], pending: Promise.resolve() };
    var today = localIso(new Date()).slice(0, 10);
    var defaults = { status: D.rules.statuses[0], reported_by: workerName(), reported_at: today };
    var main = MAIN_FIELDS.filter(function (n) { return FIELD[n]; }).map(function (n) {
      return fieldRow(FIELD[n], defaults[n]);
    });
    main.splice(3, 0, el("div", { cls: "derived", id: "derived" }));
    var more = el("details", { id: "more" }, [el("summary", { text: tr("more") })].concat(
      D.fields.filter(function (f) { return MAIN_FIELDS.indexOf(f.name) < 0; }).map(function (f) {
        return fieldRow(f, defaults[f.name]);
      })));
    openSheet(tr("new_point"), whereText(fix), main.concat([more]));
    refreshDerived();
  }

  function openInspectForm(p) {
    form = { action: "edit", point: p, photos: [], pending: Promise.resolve() };
    var rows = [fieldRow(FIELD.status, p.f.status || D.rules.statuses[0]), fieldRow(FIELD.note, "")];
    openSheet(tr("inspect_title", { name: p.f.name || p.id }), p.id + " · " + tr("version") + " " + p.version, rows);
  }

  function formValues() {
    var raw = {};
    D.fields.forEach(function (f) {
      var node = $("in-" + f.name);
      if (node) { raw[f.name] = node.value; }
    });
    return raw;
  }

  function refreshDerived() {
    var box = $("derived");
    if (!box || !form || form.action !== "add") { return; }
    var v = validate(formValues(), false);
    box.textContent = v.level === undefined ? "" : tr("derived", { cat: v.category || "—", lv: levelLabel(v.level), how: v.how });
  }

  function showErrors(errors) {
    D.fields.forEach(function (f) {
      var node = $("er-" + f.name);
      if (node) { node.textContent = errors[f.name] || ""; }
    });
  }

  function saveForm() {
    var raw = formValues();
    var v = validate(raw, form.action === "add");
    showErrors(v.errors);
    if (Object.keys(v.errors).length) { flash(tr("fix_errors")); return Promise.resolve(false); }
    var current = form;
    return current.pending.then(function () {
      var rec = {
        uuid: uuid4(), action: current.action, recorded_at: localIso(new Date()),
        photos: current.photos.map(function (p) { return { name: p.name, media_type: p.media_type, data: p.data }; }),
        exported: false, fields: {}, point_id: null, base_version: null,
        lon: null, lat: null, accuracy_m: null, position_source: null
      };
      if (current.action === "add") {
        rec.fields = v.values;
        rec.lon = round7(current.fix.lon); rec.lat = round7(current.fix.lat);
        rec.position_source = current.fix.source;
        rec.accuracy_m = current.fix.accuracy === null ? null : Math.round(current.fix.accuracy * 10) / 10;
      } else {
        rec.point_id = current.point.id;
        rec.label = (current.point.f.name || "") + " (" + current.point.id + ")";
        rec.base_version = current.point.version;
        if (v.values.status && v.values.status !== current.point.f.status) { rec.fields.status = v.values.status; }
        if (v.values.note) { rec.fields.note = v.values.note; }
        rec.lon = null; rec.lat = null;
      }
      return putRecords([rec]).then(function () {
        $("form").hidden = true;
        form = null;
        flash(tr("saved"));
        return refresh().then(function () { return rec.uuid; });
      });
    });
  }

  function round7(x) { return Math.round(x * 1e7) / 1e7; }

  function flash(text) {
    ask(text, [["OK", function () {}]]);
    var shown = $("ask-text");
    setTimeout(function () { if (shown.textContent === text) { $("ask").hidden = true; } }, 5000);
  }

  /* ---- records, count, export -------------------------------------------- */
  var pendingCount = 0;

  function refresh() {
    return allRecords().then(function (records) {
      pendingCount = records.filter(function (r) { return !r.exported; }).length;
      var badge = $("t-count");
      badge.textContent = pendingCount ? tr("unexported", { n: pendingCount }) : tr("all_exported");
      badge.classList.toggle("ok", !pendingCount);
      drawMine(records);
      if (!$("panel").hidden) { renderPanel(records); }
      return records;
    });
  }

  function workerName() {
    try { return localStorage.getItem("riskmap-field-worker") || D.worker || ""; } catch (e) { return D.worker || ""; }
  }

  function changeset(records) {
    return {
      type: "FeatureCollection", riskmap_changeset: D.format, project_id: D.project_id,
      worker: workerName() || "unknown", created_at: localIso(new Date()),
      features: records.map(function (r) {
        return {
          type: "Feature",
          geometry: r.lon === null ? null : { type: "Point", coordinates: [r.lon, r.lat] },
          properties: {
            uuid: r.uuid, action: r.action, point_id: r.point_id, base_version: r.base_version,
            fields: r.fields, accuracy_m: r.accuracy_m, position_source: r.position_source,
            recorded_at: r.recorded_at, photos: r.photos
          }
        };
      })
    };
  }

  /* Every record goes into every export (merging is idempotent by uuid), so a
   * lost file is never a lost record. */
  function exportChanges() {
    return allRecords().then(function (records) {
      if (!records.length) { flash(tr("nothing")); return null; }
      var now = new Date();
      var name = "riskmap-changes-" + fileSafe(D.community_id) + "-" + fileSafe(workerName() || "unknown") + "-" + stamp(now) + ".json";
      var text = JSON.stringify(changeset(records));
      var url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
      var a = el("a", { href: url, download: name });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
      records.forEach(function (r) { r.exported = true; });
      return putRecords(records).then(refresh).then(function () {
        flash(tr("exported", { n: records.length, f: name }));
        window.RM_LAST_EXPORT = { name: name, text: text };
        return name;
      });
    });
  }

  /* ---- the side panel ------------------------------------------------------ */
  function renderPanel(records) {
    var body = $("p-body");
    clear(body);
    $("p-title").textContent = tr("menu");
    var worker = el("input", { id: "in-worker", type: "text" });
    worker.value = workerName();
    worker.addEventListener("change", function () {
      try { localStorage.setItem("riskmap-field-worker", worker.value.trim()); } catch (e) { /* kept for this visit */ }
    });
    body.appendChild(el("label", { cls: "f", for: "in-worker", text: tr("worker") }));
    body.appendChild(worker);
    body.appendChild(el("p", { cls: "hint", text: tr("worker_hint") }));
    body.appendChild(el("h3", { text: tr("layers") }));
    [["cells", "l_cells"], ["points", "l_points"], ["shelters", "l_shelters"], ["hill", "l_hill"], ["mine", "l_new"]].forEach(function (pair) {
      var box = el("input", { type: "checkbox", id: "ly-" + pair[0] });
      box.checked = map.hasLayer(layers[pair[0]]);
      box.style.width = "auto";
      box.addEventListener("change", function () {
        if (box.checked) { layers[pair[0]].addTo(map); } else { map.removeLayer(layers[pair[0]]); }
      });
      body.appendChild(el("div", {}, [box, el("label", { for: "ly-" + pair[0], text: " " + tr(pair[1]) })]));
    });
    body.appendChild(el("h3", { text: tr("legend") }));
    body.appendChild(el("table", { cls: "legend" }, ["1", "2", "3", "4"].map(function (lv) {
      var sw = el("span", { cls: "sw" });
      sw.style.background = D.levels[lv].color;
      return el("tr", {}, [el("td", {}, [sw]), el("td", { text: levelLabel(lv) })]);
    })));
    body.appendChild(el("h3", { text: tr("records") }));
    if (!records.length) { body.appendChild(el("p", { cls: "hint", text: tr("no_records") })); }
    records.slice().reverse().forEach(function (r) {
      var title = (r.label || r.fields.name || r.point_id || "") + " · " + tr("rec_" + r.action);
      var meta = r.recorded_at + " · " + tr(r.exported ? "rec_exported" : "rec_pending") +
        (r.photos.length ? " · " + tr("photos") + " " + r.photos.length : "");
      var node = el("div", { cls: "rec" }, [el("div", { text: title }), el("div", { cls: "meta", text: meta })]);
      if (!r.exported) {
        node.appendChild(el("button", { type: "button", cls: "danger", text: tr("remove"), onclick: function () {
          ask(tr("remove_ask"), [[tr("remove"), function () { deleteRecord(r.uuid).then(refresh); }, "danger"], [tr("cancel"), function () {}]]);
        } }));
      }
      body.appendChild(node);
    });
    body.appendChild(el("p", { cls: "hint", text: tr(store.db ? "storage_warn" : "storage_fail") }));
    body.appendChild(el("p", { cls: "hint", text: tr("help") }));
  }

  function openPanel() {
    $("form").hidden = true;
    $("panel").hidden = false;
    return refresh();
  }

  /* ---- start ---------------------------------------------------------------- */
  function labelButtons() {
    document.documentElement.lang = lang === "en" ? "en" : "zh";
    document.title = D.community + " · riskmap";
    $("t-name").textContent = D.community;
    $("b-add-gps").textContent = tr("add_gps");
    $("b-add-tap").textContent = tr("add_tap");
    $("b-export").textContent = tr("export");
    $("b-locate").setAttribute("aria-label", tr("locate"));
    $("b-lang").textContent = lang === "en" ? "中文" : "EN";
    $("f-save").textContent = tr("save");
    $("f-cancel").textContent = tr("cancel");
  }

  function wire() {
    $("b-add-gps").addEventListener("click", addByGps);
    $("b-add-tap").addEventListener("click", function () { setTapMode(!tapMode); });
    $("b-export").addEventListener("click", exportChanges);
    $("b-locate").addEventListener("click", function () {
      if (gps.fix) { map.setView([gps.fix.lat, gps.fix.lon], Math.max(map.getZoom(), 17)); } else { showGps(); }
    });
    $("b-menu").addEventListener("click", function () { if ($("panel").hidden) { openPanel(); } else { $("panel").hidden = true; } });
    $("p-close").addEventListener("click", function () { $("panel").hidden = true; });
    $("f-close").addEventListener("click", function () { $("form").hidden = true; form = null; });
    $("f-cancel").addEventListener("click", function () { $("form").hidden = true; form = null; });
    $("f-save").addEventListener("click", saveForm);
    $("b-lang").addEventListener("click", function () {
      lang = lang === "en" ? "zh" : "en";
      try { localStorage.setItem(LANG_KEY, lang); } catch (e) { /* this visit only */ }
      D.fields.forEach(function (f) { f.label = fieldLabel(f.name); });
      labelButtons(); showGps(); refresh();
    });
    window.addEventListener("beforeunload", function (e) {
      if (pendingCount > 0) { e.preventDefault(); e.returnValue = tr("leave"); return tr("leave"); }
      return undefined;
    });
  }

  D.fields.forEach(function (f) { f.label = fieldLabel(f.name); });
  labelButtons();
  buildMap();
  wire();
  startGps();
  openDb().then(function (db) {
    store.db = db;
    if (!db) { $("gps").textContent = tr("storage_fail"); }
    return refresh();
  }).then(function () {
    window.RMF = { records: allRecords, save: saveForm, exportChanges: exportChanges,
                   changeset: function () { return allRecords().then(changeset); },
                   pending: function () { return pendingCount; },
                   toPixel: function (lat, lon) {
                     var pt = map.latLngToContainerPoint([lat, lon]), box = $("map").getBoundingClientRect();
                     return [pt.x + box.left, pt.y + box.top];
                   } };
    window.RM_READY = true;
  });
})();
