/* riskmap web-map runtime: cell lookup, symbols, popups, legends. Needs only Leaflet.
 * The page's data arrives as JSON in <script type="application/json"> (RM.readSpec),
 * never as code. Every text and value that comes from data, a risk model or a project
 * is escaped with RM.esc before it reaches innerHTML, including the names that
 * Leaflet's layer control writes as HTML (RM.layerControl). */
(function (global) {
  "use strict";
  var RM = {};
  var ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  RM.esc = function (value) {
    return String(value === null || value === undefined ? "" : value).replace(
      /[&<>"']/g,
      function (c) { return ESC[c]; }
    );
  };

  /* The page's data: the JSON text of the inert <script type="application/json" id=...>. */
  RM.readSpec = function (id) {
    return JSON.parse(document.getElementById(id).textContent);
  };

  RM.num = function (value, digits) {
    if (value === null || value === undefined || value !== value) { return null; }
    return String(Number(Number(value).toFixed(digits)));
  };

  /* Integer-delta rings (1e-6 degree) -> arrays of [lat, lng]. */
  RM.decode = function (flat, enc) {
    var out = [], x = 0, y = 0, s = enc.scale;
    for (var k = 0; k < flat.length; k += 2) {
      x += flat[k];
      y += flat[k + 1];
      out.push([enc.origin[1] + y / s, enc.origin[0] + x / s]);
    }
    return out;
  };

  RM.polygons = function (polys, enc) {
    return polys.map(function (rings) {
      return rings.map(function (r) { return RM.decode(r, enc); });
    });
  };

  RM.context = function (map, spec) {
    var ctx = spec;
    ctx.map = map;
    ctx.canvas = L.canvas({ padding: 0.5, tolerance: 0 });
    /* Hazards and the basemap image sit in their own panes, always under the cells. */
    map.createPane("rmBase").style.zIndex = 250;
    map.createPane("rmHazards").style.zIndex = 350;
    ctx.hazardCanvas = L.canvas({ padding: 0.5, pane: "rmHazards" });
    ctx.legendLinks = [];
    map.attributionControl.setPrefix("Leaflet");
    return ctx;
  };

  /* ---- cells ------------------------------------------------------------ */
  function poly3(c, u, v) {
    var s = 0, k = 0;
    for (var i = 0; i <= 3; i++) {
      for (var j = 0; j <= 3 - i; j++) { s += c[k++] * Math.pow(u, i) * Math.pow(v, j); }
    }
    return s;
  }

  function applyPoly(p, a, b) {
    var u = (a - p.u0) / p.s, v = (b - p.v0) / p.s;
    return [poly3(p.cx, u, v), poly3(p.cy, u, v)];
  }

  /* ---- packed columns: quantised typed arrays, deflated, base64 ------------ */
  var ARRAYS = { u8: Uint8Array, u16: Uint16Array, u32: Uint32Array, f64: Float64Array };

  /* The bytes of a base64 zlib stream, inflated by the browser's own
     DecompressionStream (no library, no request). */
  function inflate(b64) {
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var k = 0; k < bin.length; k++) { bytes[k] = bin.charCodeAt(k); }
    var source = new ReadableStream({ start: function (c) { c.enqueue(bytes); c.close(); } });
    return new Response(source.pipeThrough(new DecompressionStream("deflate"))).arrayBuffer();
  }

  /* Give a packed column its values: col.q (typed array) and col.at(i) (a number
     or null), the same number as the decimal the page would otherwise carry. */
  function setColumn(col, buffer) {
    var q = new ARRAYS[col.t](buffer), scale = Math.pow(10, col.k);
    if (col.d) { for (var k = 1; k < q.length; k++) { q[k] += q[k - 1]; } }  // wraps
    var none = col.t === "f64" ? null : Math.pow(2, 8 * q.BYTES_PER_ELEMENT) - 1;
    col.q = q;
    col.at = function (i) {
      var v = q[i];
      if (none === null) { return v !== v ? null : v; }
      if (v === none) { return null; }
      return col.k ? (v + col.o) / scale : v + col.o;
    };
  }

  /* Every packed column of the cell data (number columns and text indices). */
  function packedColumns(cells) {
    var out = [cells.level, cells.score, cells.score_hazard, cells.score_points,
      cells.nodata, cells.mask].concat(cells.points || []);
    cells.hazards.forEach(function (hz) {
      out.push(hz.max, hz.mean, hz.frac, hz.cls ? hz.cls.idx : null);
    });
    cells.extra.forEach(function (row) { out.push(row.values.idx); });
    return out.filter(function (col) { return col; });
  }

  /* Inflate the cell data; resolves when every column can be read. */
  RM.unpack = function (cells) {
    return Promise.all(packedColumns(cells).map(function (col) {
      return inflate(col.z).then(function (buffer) { setColumn(col, buffer); });
    }));
  };

  /* Text *i* of a packed text column (null when it has none). */
  RM.text = function (col, i) {
    var k = col.idx.at(i);
    return k === null ? null : col.dict[k];
  };

  function latticeLocator(ctx, loc) {
    var cells = ctx.cells, w = cells.w, mask = cells.mask.q;
    var index = new Int32Array(mask.length).fill(-1), place = new Int32Array(cells.n), n = 0;
    for (var p = 0; p < mask.length; p++) { if (mask[p]) { index[p] = n; place[n++] = p; } }
    cells.rowCol = function (i) {
      return [cells.r0 + Math.floor(place[i] / w), cells.c0 + place[i] % w];
    };
    function corner(r, c) {
      var ll = applyPoly(loc.inv, loc.x0 + c * loc.size, loc.y0 - r * loc.size);
      return [ll[1], ll[0]];
    }
    return {
      find: function (e) {
        var xy = applyPoly(loc.fwd, e.latlng.lng, e.latlng.lat);
        var r = Math.floor((loc.y0 - xy[1]) / loc.size) - cells.r0;
        var c = Math.floor((xy[0] - loc.x0) / loc.size) - cells.c0;
        if (r < 0 || c < 0 || r >= cells.h || c >= w) { return null; }
        var i = index[r * w + c];
        return i < 0 ? null : i;
      },
      outline: function (i) {
        var rc = cells.rowCol(i), r = rc[0], c = rc[1];
        return [corner(r, c), corner(r, c + 1), corner(r + 1, c + 1), corner(r + 1, c)];
      }
    };
  }

  function featureLocator() {
    return {
      find: function (e) {
        var t = e.propagatedFrom || e.sourceTarget || e.layer;
        return t && t.rmIndex !== undefined ? t.rmIndex : null;
      },
      outline: null
    };
  }

  RM.cellId = function (ctx, i) {
    var c = ctx.cells;
    if (c.ids) { return c.ids[i]; }
    var rc = c.rowCol(i);
    return c.prefix + rc[0] + "-" + rc[1];
  };

  function tipRow(label, value) {
    return "<tr><th>" + RM.esc(label) + "</th><td>" + value + "</td></tr>";
  }

  function hazardText(ctx, hz, i) {
    var t = ctx.text, parts = [];
    if (hz.kind === "zones") {
      var cls = hz.cls ? RM.text(hz.cls, i) : null;
      if (cls !== null) { parts.push(RM.esc(cls)); }
    } else if (hz.names) {
      var v = hz.max ? hz.max.at(i) : null;
      if (v !== null) {
        var k = 0;
        while (k < hz.breaks.length && v >= hz.breaks[k]) { k++; }
        parts.push(RM.esc(t.top_class + " " + hz.names[k]));
      }
    } else {
      var unit = hz.unit ? " " + hz.unit : "";
      var mx = hz.max ? RM.num(hz.max.at(i), 2) : null;
      var mean = hz.mean ? RM.num(hz.mean.at(i), 2) : null;
      if (mx !== null) { parts.push(RM.esc(t.max + " " + mx + unit)); }
      if (mean !== null) { parts.push(RM.esc(t.mean + " " + mean + unit)); }
    }
    var share = hz.frac ? hz.frac.at(i) : null;
    var frac = share === null ? null : RM.num(share * 100, 0);
    if (frac !== null && parts.length) { parts.push(RM.esc(t.frac + " " + frac + "%")); }
    return parts.length ? parts.join(" · ") : RM.esc(t.no_data);
  }

  RM.cellHtml = function (ctx, i) {
    var c = ctx.cells, t = ctx.text, lv = c.level.at(i), st = ctx.levels[lv];
    var h = '<div class="rm-tip"><div class="rm-tip-head">' + RM.esc(t.cell) + " " +
      RM.esc(RM.cellId(ctx, i)) + "</div><table>";
    h += tipRow(t.level, '<span class="rm-sw" style="background:' + RM.esc(st.color) + '"></span>' +
      RM.esc(st.label));
    h += tipRow(t.score, RM.esc(RM.num(c.score.at(i), 3)) + " <small>(" + RM.esc(t.score_hazard) +
      " " + RM.esc(RM.num(c.score_hazard.at(i), 3)) + " · " + RM.esc(t.score_points) + " " +
      RM.esc(RM.num(c.score_points.at(i), 3)) + ")</small>");
    c.hazards.forEach(function (hz) { h += tipRow(hz.label, hazardText(ctx, hz, i)); });
    if (c.nodata && c.nodata.at(i)) { h += tipRow(t.layer_nodata, RM.esc(t.no_hazard_data)); }
    c.extra.forEach(function (row) {
      var text = RM.text(row.values, i);
      if (text !== null) { h += tipRow(row.label, RM.esc(text)); }
    });
    var p = c.points ? c.points.map(function (col) { return col.at(i); }) : null;
    if (p && p[0]) {
      var per = [];
      for (var k = 1; k <= 4; k++) { if (p[k]) { per.push(RM.esc(ctx.levels[k].short) + " " + p[k]); } }
      h += tipRow(t.points, RM.esc(p[0]) + (per.length ? " (" + per.join(", ") + ")" : ""));
    }
    return h + "</table></div>";
  };

  RM.fillLayer = function (ctx, fill) {
    var group = L.featureGroup();
    if (fill.image) {
      group.addLayer(L.imageOverlay(fill.image.url, fill.image.bounds, {
        opacity: 0.6, interactive: false, className: "rm-levels" }));
    }
    fill.parts.forEach(function (part) {
      var st = ctx.levels[part.level];
      var poly = L.polygon(RM.polygons(part.polys, fill), {
        renderer: ctx.canvas, fillColor: st.color, fillOpacity: 0.55, color: st.line,
        weight: part.i === undefined ? 0.8 : 0.5, opacity: 0.9
      });
      if (part.i !== undefined) { poly.rmIndex = part.i; }
      group.addLayer(poly);
    });
    return group;
  };

  /* Hover and click on the cells of *group*, once their columns are unpacked. */
  RM.cellLookup = function (ctx, fill, group) {
    var loc = fill.locator.kind === "lattice" ? latticeLocator(ctx, fill.locator) : featureLocator();
    // an image takes no mouse events under the vector canvas: listen on the map
    attachIdentify(ctx, group, loc, fill.image ? ctx.map : group);
  };

  function attachIdentify(ctx, group, loc, target) {
    var map = ctx.map, current = null;
    var tip = L.tooltip({ direction: "top", offset: [0, -10], className: "rm-tooltip" });
    var mark = L.polygon([], { color: "#111", weight: 2, fill: false, interactive: false });
    function shown() { return target === group || map.hasLayer(group); }
    function show(e) {
      if (!shown()) { return; }
      var i = loc.find(e);
      if (i === null) { hide(); return; }
      if (i !== current) {
        current = i;
        tip.setContent(RM.cellHtml(ctx, i));
        var ring = loc.outline ? loc.outline(i) : e.propagatedFrom.getLatLngs();
        mark.setLatLngs(ring);
        if (!map.hasLayer(mark)) { mark.addTo(map); }
      }
      tip.setLatLng(e.latlng);
      if (!map.hasLayer(tip)) { map.openTooltip(tip); }
    }
    function hide() {
      current = null;
      if (map.hasLayer(tip)) { map.closeTooltip(tip); }
      if (map.hasLayer(mark)) { map.removeLayer(mark); }
    }
    target.on("mousemove", show);
    target.on("mouseout", hide);
    group.on("remove", hide);
    target.on("click", function (e) {
      if (!shown()) { return; }
      var i = loc.find(e);
      if (i !== null) {
        L.popup({ maxWidth: 360 }).setLatLng(e.latlng).setContent(RM.cellHtml(ctx, i)).openOn(map);
      }
    });
    /* The index of the cell at [lat, lng] (null where there is none), and its id. */
    ctx.locate = function (latlng) { return loc.find({ latlng: L.latLng(latlng) }); };
    ctx.identify = function (latlng) {
      var i = ctx.locate(latlng);
      return i === null ? null : RM.cellId(ctx, i);
    };
  }

  RM.linesLayer = function (ctx, enc, style) {
    var lines = enc.lines.map(function (l) { return RM.decode(l, enc); });
    return L.polyline(lines, L.extend({ renderer: ctx.canvas, interactive: false }, style));
  };

  RM.boundaryLayer = function (ctx, enc) {
    return L.polygon(RM.polygons(enc.polys, enc), {
      color: "#222", weight: 3, opacity: 0.9, fill: false, interactive: false
    });
  };

  /* ---- points and resources -------------------------------------------- */
  RM.symbolHtml = function (ctx, item) {
    var cls = ctx.symbols[item.cls];
    var h = '<div class="rm-sym rm-sym-' + RM.esc(item.cls) + '" style="border-color:' +
      RM.esc(cls.color) + '"><span>' + RM.esc(item.label) + "</span>";
    if (item.level) {
      var st = ctx.levels[item.level];
      h += '<i class="rm-badge" style="background:' + RM.esc(st.color) + ";color:" +
        RM.esc(st.text) + '">' + RM.esc(item.level) + "</i>";
    }
    return h + "</div>";
  };

  var BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

  /* Popup content as DOM nodes: the fields, then the ledger photos as <img> from
     a data: URL (checked base64) with their names as text, never as markup. */
  RM.popupNode = function (item) {
    var box = document.createElement("div");
    var pop = box.appendChild(document.createElement("div"));
    pop.className = "rm-pop";
    pop.appendChild(document.createElement("div")).className = "rm-pop-head";
    pop.firstChild.textContent = String(item.title);
    var table = pop.appendChild(document.createElement("table"));
    item.fields.forEach(function (f) {
      var tr = table.appendChild(document.createElement("tr"));
      tr.appendChild(document.createElement("th")).textContent = String(f[0]);
      tr.appendChild(document.createElement("td")).textContent = String(f[1]);
    });
    (item.photos || []).forEach(function (p) {
      if (typeof p.jpeg !== "string" || !BASE64.test(p.jpeg)) { return; }
      var fig = pop.appendChild(document.createElement("figure"));
      fig.className = "rm-photo";
      var img = fig.appendChild(document.createElement("img"));
      img.src = "data:image/jpeg;base64," + p.jpeg;
      img.alt = String(p.name);
      fig.appendChild(document.createElement("figcaption")).textContent = String(p.name);
    });
    return box;
  };

  RM.pointsLayer = function (ctx, items) {
    var group = L.featureGroup();
    items.forEach(function (item) {
      var icon = L.divIcon({
        className: "rm-sym-wrap", html: RM.symbolHtml(ctx, item),
        iconSize: [32, 32], iconAnchor: [16, 16], popupAnchor: [0, -14], tooltipAnchor: [0, -16]
      });
      var m = L.marker([item.lat, item.lon], { icon: icon, title: String(item.title) });
      m.bindPopup(RM.popupNode(item), { maxWidth: 340 });
      m.bindTooltip(RM.esc(item.title), { direction: "top" });
      m.rmItem = item;
      group.addLayer(m);
    });
    return group;
  };

  /* ---- controls --------------------------------------------------------- */
  RM.htmlControl = function (ctx, position, html, className) {
    var Ctl = L.Control.extend({
      onAdd: function () {
        var div = L.DomUtil.create("div", "rm-panel " + className);
        div.innerHTML = html;
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      }
    });
    return new Ctl({ position: position }).addTo(ctx.map);
  };

  /* Leaflet's layer control writes each layer name with innerHTML: escape them. */
  function escapedKeys(layers) {
    var out = {};
    Object.keys(layers).forEach(function (k) { out[RM.esc(k)] = layers[k]; });
    return out;
  }

  /* Narrow screens (phones): the layer list folds into Leaflet's layers button. */
  RM.narrow = function (ctx) { return ctx.map.getSize().x < 600; };

  RM.layerControl = function (ctx, base, overlays) {
    return L.control.layers(escapedKeys(base), escapedKeys(overlays), {
      collapsed: RM.narrow(ctx), position: "topright" }).addTo(ctx.map);
  };

  /* Diagonal grey hatching as a canvas fill (Leaflet's canvas renderer passes
   * fillColor to the 2D context as fillStyle, so a pattern works): the level colour
   * stays visible between the lines. */
  RM.hatch = function () {
    var c = document.createElement("canvas");
    c.width = c.height = 8;
    var g = c.getContext("2d");
    g.strokeStyle = "rgba(40, 40, 40, 0.75)";
    g.lineWidth = 1.5;
    g.beginPath();
    g.moveTo(0, 8); g.lineTo(8, 0);
    g.moveTo(-2, 2); g.lineTo(2, -2);
    g.moveTo(6, 10); g.lineTo(10, 6);
    g.stroke();
    return c.getContext("2d").createPattern(c, "repeat");
  };

  /* Show a hazard's legend only while its overlay is on the map. */
  RM.linkLegend = function (ctx, layer, id) {
    function set() {
      var el = document.getElementById(id);
      if (el) { el.style.display = ctx.map.hasLayer(layer) ? "" : "none"; }
    }
    layer.on("add remove", function () { setTimeout(set, 0); });
    ctx.legendLinks.push(set);
  };

  /* Show the map now; RM_READY once *pending* (the cell lookup) is done. */
  RM.finish = function (ctx, bounds, pending) {
    ctx.map.fitBounds(bounds, { padding: [16, 16] });
    ctx.legendLinks.forEach(function (f) { f(); });
    global.RM_CTX = ctx;
    global.RM_TIMES = { drawn: performance.now() };  // ms since navigation (bench)
    (pending || Promise.resolve()).then(function () {
      global.RM_TIMES.ready = performance.now();
      global.RM_READY = true;
    });
  };

  /* ---- assembly --------------------------------------------------------- */
  function baseLayers(ctx, base) {
    var t = ctx.text, out = {};
    if (base.kind === "image") {
      out[t.layer_hillshade] = L.imageOverlay(base.url, base.bounds, {
        opacity: 1, interactive: false, pane: "rmBase" });
    } else if (base.kind === "tiles") {
      out[t[base.label]] = L.tileLayer(base.url, { maxZoom: base.max, attribution: "&copy; OpenStreetMap" });
    } else if (base.kind === "tianditu") {
      out[t.layer_tianditu] = L.layerGroup([
        L.tileLayer(base.vec, { subdomains: "01234567", maxZoom: 18, attribution: "&copy; 天地图" }),
        L.tileLayer(base.cva, { subdomains: "01234567", maxZoom: 18 })
      ]);
    }
    out[t.layer_none] = L.layerGroup();
    return out;
  }

  function zonesLayer(ctx, hz, enc) {
    var group = L.featureGroup();
    hz.parts.forEach(function (part) {
      group.addLayer(L.polygon(RM.polygons(part.polys, enc), {
        renderer: ctx.hazardCanvas, stroke: false, fillColor: part.color, fillOpacity: 0.6,
        interactive: false }));
    });
    return group;
  }

  function addLegends(ctx, spec) {
    var p = spec.panels;
    RM.htmlControl(ctx, "topleft", p.title, "rm-title");
    var html = p.levels;
    spec.hazards.forEach(function (hz) {
      html += '<div id="' + RM.esc(hz.legend_id) + '" class="rm-hz-legend">' + hz.legend + "</div>";
    });
    html += p.symbols;
    RM.htmlControl(ctx, "bottomright", html, "rm-legends");
  }

  /* The cell lookup starts once the columns are inflated; a browser that cannot
     inflate still shows the map, with a note instead of cell details. */
  function lookupWhenUnpacked(ctx, cells, fill) {
    var unpacked = typeof DecompressionStream === "function" ? RM.unpack(cells)
      : Promise.reject(new Error("no DecompressionStream"));
    return unpacked.then(function () { RM.cellLookup(ctx, cells, fill); }, function (err) {
      RM.htmlControl(ctx, "bottomleft", RM.esc(ctx.text.no_lookup), "rm-note");
      throw err;
    });
  }

  RM.build = function (map, spec) {
    if (spec.overview) { RM.overview(map, spec); return; }
    var ctx = RM.context(map, spec), t = spec.text, overlays = {};
    var bases = baseLayers(ctx, spec.base);
    bases[Object.keys(bases)[0]].addTo(map);
    spec.hazards.forEach(function (hz) {
      var layer = hz.kind === "zones" ? zonesLayer(ctx, hz, spec.boundary)
        : L.imageOverlay(hz.url, hz.bounds, { opacity: 0.6, interactive: false, pane: "rmHazards" });
      overlays[hz.label] = layer;
      if (hz.on) { layer.addTo(map); }
      ctx.hazardLayers = (ctx.hazardLayers || []).concat([[layer, hz.legend_id]]);
    });
    var fill = RM.fillLayer(ctx, spec.cells).addTo(map);
    overlays[t.layer_levels] = fill;
    if (spec.cells.lines.length) {
      overlays[t.layer_gridlines] = RM.linesLayer(ctx, spec.cells, {
        color: "#555", weight: 0.4, opacity: 0.6 }).addTo(map);
    }
    if (spec.cells.nodata_polys && spec.cells.nodata_polys.length) {
      overlays[t.layer_nodata] = L.polygon(RM.polygons(spec.cells.nodata_polys, spec.cells), {
        renderer: ctx.canvas, fillColor: RM.hatch(), fillOpacity: 1, color: "#333",
        weight: 1, dashArray: "4 3", interactive: false }).addTo(map);
    }
    if (spec.uncovered.length) {
      overlays[t.layer_uncovered] = L.polygon(RM.polygons(spec.uncovered, spec.cells), {
        color: "#6a3d9a", weight: 1.5, dashArray: "4 3", fillColor: "#6a3d9a",
        fillOpacity: 0.25, interactive: false });
    }
    overlays[t.layer_boundary] = RM.boundaryLayer(ctx, spec.boundary).addTo(map);
    if (spec.points.length) { overlays[t.layer_points] = RM.pointsLayer(ctx, spec.points).addTo(map); }
    if (spec.resources.length) {
      overlays[t.layer_resources] = RM.pointsLayer(ctx, spec.resources).addTo(map);
    }
    ctx.layers = overlays;
    ctx.control = RM.layerControl(ctx, bases, overlays);
    addLegends(ctx, spec);
    (ctx.hazardLayers || []).forEach(function (pair) { RM.linkLegend(ctx, pair[0], pair[1]); });
    RM.finish(ctx, spec.bounds, lookupWhenUnpacked(ctx, spec.cells, fill));
  };

  /* The index page's overview: every community coloured by its highest level. */
  RM.overview = function (map, spec) {
    var ctx = RM.context(map, spec), group = L.featureGroup();
    spec.communities.forEach(function (c) {
      var st = spec.levels[c.level] || { color: "#999999", line: "#666666" };
      var poly = L.polygon(RM.polygons(c.polys, spec), {
        color: "#222", weight: 1.5, fillColor: st.color, fillOpacity: 0.5 });
      poly.bindTooltip(RM.esc(c.name));
      poly.bindPopup('<a href="' + RM.esc(c.href) + '">' + RM.esc(c.name) + "</a>");
      group.addLayer(poly);
    });
    group.addTo(map);
    var overlays = {};
    overlays[spec.text.layer_communities] = group;
    ctx.layers = overlays;
    ctx.control = RM.layerControl(ctx, {}, overlays);
    RM.finish(ctx, spec.bounds);
  };

  global.RM = RM;
})(window);
