/* Enterprise maps: the clustered 一张图 (#enterprise-map) and the detail page's mini map.
 * Points are circle markers (no image assets); map set-up in sgmap.js.
 * Contract used by tests: #enterprise-map[data-count] = points loaded; each point has class
 * "enterprise-point". */
(function () {
  "use strict";

  var GRID_STYLE = { color: "#1f4e8c", weight: 1.5, fillColor: "#1f4e8c", fillOpacity: 0.08 };

  function readConfig() {
    var node = document.getElementById("sg-enterprise-config");
    return node ? JSON.parse(node.textContent) : {};
  }

  var el = sgMap.el, fetchJson = sgMap.fetchJson;

  function createMap(mapEl) {
    return sgMap.createMap(mapEl, { gridPane: true });
  }

  function point(lon, lat, color) {
    return L.circleMarker([lat, lon], {
      radius: 7, weight: 1.5, color: "#ffffff", fillColor: color, fillOpacity: 0.9,
      className: "enterprise-point"
    });
  }

  /* --- 一张图 ------------------------------------------------------------------------ */

  function initClusterMap(mapEl, config) {
    var map = createMap(mapEl);
    var labels = config.labels;
    var colors = {};
    var names = {};
    config.categories.forEach(function (c) { colors[c.code] = c.color; names[c.code] = c.name; });
    var cluster = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 45 });
    var grids = L.geoJSON(null, {
      pane: "grids", style: GRID_STYLE,
      onEachFeature: function (feature, layer) { layer.bindTooltip(feature.properties.name, { sticky: true }); }
    });
    map.addLayer(grids);
    map.addLayer(cluster);
    var legend = addLegend(map, labels.legend);
    var setStatus = sgMap.statusLine(document.getElementById("sg-map-status"));
    var town = document.getElementById("sg-map-town");
    var category = document.getElementById("sg-map-category");
    var popup = L.popup({ maxWidth: 260 });
    var request = 0;

    cluster.on("click", function (ev) {
      var row = ev.layer.sgRow;
      var box = el("div", "sg-popup");
      box.appendChild(el("div", "fw-semibold mb-1", row[4]));
      box.appendChild(el("div", "small text-body-secondary mb-1", names[row[3]] || row[3]));
      var link = el("a", "small sg-popup-link", labels.detail);
      link.href = config.detailUrl.replace(/\/0\/$/, "/" + row[0] + "/");
      box.appendChild(link);
      popup.setLatLng(ev.layer.getLatLng()).setContent(box).openOn(map);
    });

    function query() {
      var params = new URLSearchParams();
      if (town && town.value) params.set("region", town.value);
      if (category && category.value) params.set("category", category.value);
      return params.toString();
    }

    function load() {
      var mine = ++request;
      var qs = query();
      history.replaceState(null, "", qs ? "?" + qs : location.pathname);
      setStatus(labels.loading);
      mapEl.dataset.loading = "1";
      var points = fetchJson(config.pointsUrl + (qs ? "?" + qs : ""));
      var shapes = town && town.value
        ? fetchJson(config.gridsUrl + "?within=" + encodeURIComponent(town.value))
        : Promise.resolve(null);
      Promise.all([points, shapes]).then(function (results) {
        if (mine !== request) return;
        var rows = results[0].points;
        cluster.clearLayers();
        grids.clearLayers();
        if (results[1]) grids.addData(results[1]);
        cluster.addLayers(rows.map(function (row) {
          var marker = point(row[1], row[2], colors[row[3]] || "#6c757d");
          marker.sgRow = row;
          return marker;
        }));
        legend.show(rows, colors, names);
        setStatus(rows.length ? rows.length + " " + labels.count : labels.empty, rows.length ? "light" : "warning");
        var bounds = rows.length ? cluster.getBounds() : grids.getBounds();
        // No animation: the points are where they will stay once data-count is set.
        if (bounds.isValid()) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16, animate: false });
        mapEl.dataset.count = String(rows.length);
        delete mapEl.dataset.loading;
      }).catch(function () {
        if (mine === request) setStatus(labels.failed, "danger");
      });
    }

    [town, category].forEach(function (select) { if (select) select.addEventListener("change", load); });
    load();
  }

  function addLegend(map, title) {
    var control = L.control({ position: "bottomright" });
    var body;
    control.onAdd = function () {
      var box = el("details", "sg-legend sg-category-legend");
      box.open = window.innerWidth >= 576;
      box.appendChild(el("summary", "fw-semibold", title));
      body = el("div", "sg-legend-body");
      box.appendChild(body);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    control.addTo(map);
    control.show = function (rows, colors, names) {
      var counts = {};
      rows.forEach(function (row) { counts[row[3]] = (counts[row[3]] || 0) + 1; });
      body.textContent = "";
      Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a]; }).forEach(function (code) {
        var line = el("div", "d-flex align-items-center gap-1");
        var dot = el("span", "sg-dot");
        dot.style.backgroundColor = colors[code] || "#6c757d";
        line.appendChild(dot);
        line.appendChild(el("span", "flex-grow-1", names[code] || code));
        line.appendChild(el("span", "text-body-secondary ms-2", String(counts[code])));
        body.appendChild(line);
      });
    };
    return control;
  }

  /* --- detail page mini map --------------------------------------------------------- */

  function initMiniMap(mapEl, config) {
    var map = createMap(mapEl);
    var group = L.featureGroup().addTo(map);
    if (config.grid) L.geoJSON(config.grid, { pane: "grids", style: GRID_STYLE }).addTo(group);
    if (config.point) {
      point(config.point[0], config.point[1], "#d62728").bindTooltip(config.name).addTo(group);
    }
    var bounds = group.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
    } else {
      mapEl.appendChild(el("div", "sg-map-empty small text-body-secondary", config.labels.noPoint));
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var config = readConfig();
    var big = document.getElementById("enterprise-map");
    var mini = document.getElementById("sg-enterprise-mini-map");
    if (big) initClusterMap(big, config);
    if (mini) initMiniMap(mini, config);
  });
})();
