/* Risk map: enterprises coloured by safety code (安全码), grids of the chosen town below them.
 * Follows enterprise_map.js: circle markers (no image assets); map set-up in sgmap.js.
 * Contract used by tests: #risk-map[data-count] = points loaded; each point has the classes
 * "risk-point risk-point-<colour>". */
(function () {
  "use strict";

  var GRID_STYLE = { color: "#1f4e8c", weight: 1.5, fillColor: "#1f4e8c", fillOpacity: 0.06 };

  var el = sgMap.el, fetchJson = sgMap.fetchJson;

  function init(mapEl, config) {
    var labels = config.labels;
    var map = sgMap.createMap(mapEl, { gridPane: true });
    var colors = {}, names = {};
    config.colors.forEach(function (c) { colors[c.code] = c.color; names[c.code] = c.name; });
    var grids = L.geoJSON(null, { pane: "grids", style: GRID_STYLE,
      onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name, { sticky: true }); } }).addTo(map);
    var points = L.featureGroup().addTo(map);
    var legend = addLegend(map, labels.legend);
    var setStatus = sgMap.statusLine(document.getElementById("sg-map-status"));
    var town = document.getElementById("sg-map-town");
    var color = document.getElementById("sg-map-color");
    var request = 0;

    function popup(row) {
      var box = el("div", "sg-popup");
      box.appendChild(el("div", "fw-semibold mb-1", row[4]));
      box.appendChild(el("div", "small mb-1", (names[row[3]] || labels.none) +
        (row[5] !== null ? " · " + labels.score + " " + row[5] : "")));
      var link = el("a", "small sg-popup-link", labels.detail);
      link.href = config.detailUrl.replace(/\/0\/$/, "/" + row[0] + "/");
      box.appendChild(link);
      return box;
    }

    function load() {
      var mine = ++request;
      var params = new URLSearchParams();
      if (town.value) params.set("region", town.value);
      if (color.value) params.set("color", color.value);
      var qs = params.toString();
      history.replaceState(null, "", qs ? "?" + qs : location.pathname);
      setStatus(labels.loading);
      mapEl.dataset.loading = "1";
      var shapes = town.value ? fetchJson(config.gridsUrl + "?within=" + encodeURIComponent(town.value))
        : Promise.resolve(null);
      Promise.all([fetchJson(config.pointsUrl + (qs ? "?" + qs : "")), shapes]).then(function (results) {
        if (mine !== request) return;
        var rows = results[0].points;
        points.clearLayers();
        grids.clearLayers();
        if (results[1]) grids.addData(results[1]);
        // Red last, so it is drawn on top where points overlap.
        rows.sort(function (a, b) { return rank(a[3]) - rank(b[3]); }).forEach(function (row) {
          L.circleMarker([row[2], row[1]], {
            radius: 7, weight: 1.5, color: "#ffffff", fillColor: colors[row[3]] || "#adb5bd", fillOpacity: 0.95,
            className: "risk-point risk-point-" + (row[3] || "none")
          }).bindPopup(popup(row), { maxWidth: 260 }).addTo(points);
        });
        legend.show(rows, colors, names, labels.none);
        setStatus(rows.length ? rows.length + " " + labels.count : labels.empty, rows.length ? "light" : "warning");
        var bounds = rows.length ? points.getBounds() : grids.getBounds();
        if (bounds.isValid()) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16, animate: false });
        mapEl.dataset.count = String(rows.length);
        delete mapEl.dataset.loading;
      }).catch(function () { if (mine === request) setStatus(labels.failed, "danger"); });
    }

    [town, color].forEach(function (s) { s.addEventListener("change", load); });
    var initial = new URLSearchParams(location.search).get("color");
    if (initial) color.value = initial;
    load();
  }

  var ORDER = { blue: 0, "": 1, yellow: 2, orange: 3, red: 4 };
  function rank(code) { return ORDER[code || ""]; }

  function addLegend(map, title) {
    var control = L.control({ position: "bottomright" });
    var body;
    control.onAdd = function () {
      var box = el("details", "sg-legend sg-risk-legend");
      box.open = true;
      box.appendChild(el("summary", "fw-semibold", title));
      body = el("div", "sg-legend-body");
      box.appendChild(body);
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    control.addTo(map);
    control.show = function (rows, colors, names, none) {
      var counts = {};
      rows.forEach(function (row) { counts[row[3] || ""] = (counts[row[3] || ""] || 0) + 1; });
      body.textContent = "";
      ["red", "orange", "yellow", "blue", ""].forEach(function (code) {
        if (!counts[code]) return;
        var line = el("div", "d-flex align-items-center gap-1");
        var dot = el("span", "sg-dot");
        dot.style.backgroundColor = colors[code] || "#adb5bd";
        line.appendChild(dot);
        line.appendChild(el("span", "flex-grow-1", names[code] || none));
        line.appendChild(el("span", "text-body-secondary ms-2", String(counts[code])));
        body.appendChild(line);
      });
    };
    return control;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var mapEl = document.getElementById("risk-map");
    var node = document.getElementById("sg-risk-config");
    if (mapEl && node) init(mapEl, JSON.parse(node.textContent));
  });
})();
