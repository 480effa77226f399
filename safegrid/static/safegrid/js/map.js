/* Grid maps of safegrid: the tree + map page and the single-grid map (needs sgmap.js). */
(function () {
  "use strict";

  var COLORS = { staffed: "#0d6efd", unstaffed: "#e8590c" };

  function readConfig() {
    var el = document.getElementById("sg-map-config");
    return el ? JSON.parse(el.textContent) : {};
  }

  function gridStyle(feature) {
    var color = feature.properties.officers ? COLORS.staffed : COLORS.unstaffed;
    return { color: color, weight: 2, fillColor: color, fillOpacity: 0.25 };
  }

  var el = sgMap.el, createMap = sgMap.createMap;

  function popupContent(feature, labels, gridUrl) {
    var p = feature.properties;
    var box = el("div", "sg-popup");
    box.appendChild(el("div", "fw-semibold mb-1", p.name));
    var rows = [
      [labels.code, p.code],
      [labels.village, p.region],
      [labels.officers, String(p.officers)],
      [labels.responsible, p.responsible || labels.none]
    ];
    rows.forEach(function (row) {
      var line = el("div", "small");
      line.appendChild(el("span", "text-body-secondary", row[0] + "："));
      line.appendChild(el("span", p.officers || row[0] !== labels.officers ? "" : "text-danger", row[1]));
      box.appendChild(line);
    });
    if (gridUrl) {
      var link = el("a", "small d-inline-block mt-1", labels.detail);
      link.href = gridUrl.replace(/\/0\/$/, "/" + feature.id + "/");
      box.appendChild(link);
    }
    return box;
  }

  function addLegend(map, labels) {
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var box = el("div", "sg-legend");
      box.appendChild(el("div", "fw-semibold mb-1", labels.legend));
      [["staffed", labels.staffed], ["unstaffed", labels.unstaffed]].forEach(function (item) {
        var row = el("div", "d-flex align-items-center gap-1");
        var swatch = el("span", "sg-swatch");
        swatch.style.borderColor = COLORS[item[0]];
        swatch.style.backgroundColor = COLORS[item[0]] + "40";
        row.appendChild(swatch);
        row.appendChild(el("span", "", item[1]));
        box.appendChild(row);
      });
      return box;
    };
    legend.addTo(map);
  }

  function fitTo(map, layer) {
    var bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
  }

  /* --- tree + map page ------------------------------------------------------------ */

  function initIndex(mapEl, config) {
    var labels = config.labels;
    var map = createMap(mapEl);
    var layer = L.geoJSON(null, {
      style: gridStyle,
      onEachFeature: function (feature, lyr) {
        lyr.bindPopup(function () { return popupContent(feature, labels, mapEl.dataset.gridUrl); });
        lyr.bindTooltip(feature.properties.name, { sticky: true });
      }
    }).addTo(map);
    addLegend(map, labels);
    var setStatus = sgMap.statusLine(document.getElementById("sg-map-status"));
    var tree = document.getElementById("sg-tree");
    var crumbs = document.getElementById("sg-map-crumbs");
    var request = 0;

    function load(code) {
      var url = mapEl.dataset.geojsonUrl + (code ? "?within=" + encodeURIComponent(code) : "");
      var mine = ++request;
      setStatus(labels.loading);
      sgMap.fetchJson(url)
        .then(function (data) {
          if (mine !== request) return;
          layer.clearLayers();
          layer.addData(data);
          mapEl.dataset.gridCount = String(data.features.length);
          if (data.features.length) {
            setStatus(data.features.length + " " + labels.count);
            fitTo(map, layer);
          } else {
            setStatus(labels.empty, "warning");
          }
        })
        .catch(function () { if (mine === request) setStatus(labels.failed, "danger"); });
    }

    function ancestorsOf(link) {
      var names = [];
      var node = link.closest(".sg-tree-node");
      while (node) {
        var own = node.querySelector(":scope > details > summary > .sg-tree-link, :scope > .sg-tree-leaf > .sg-tree-link");
        if (own) names.unshift(own);
        node = node.parentElement.closest(".sg-tree-node");
      }
      return names;
    }

    function showCrumbs(link) {
      while (crumbs.children.length > 1) crumbs.removeChild(crumbs.lastChild);
      (link ? ancestorsOf(link) : []).forEach(function (a, i, all) {
        var li = el("li", "breadcrumb-item");
        if (i === all.length - 1) {
          li.classList.add("active");
          li.setAttribute("aria-current", "page");
          li.textContent = a.dataset.name;
        } else {
          var back = el("a", "", a.dataset.name);
          back.href = a.getAttribute("href");
          back.addEventListener("click", function (ev) { ev.preventDefault(); select(a); });
          li.appendChild(back);
        }
        crumbs.appendChild(li);
      });
    }

    function markActive(link) {
      tree.querySelectorAll(".sg-tree-link.active").forEach(function (a) { a.classList.remove("active"); });
      if (link) link.classList.add("active");
    }

    function focusGrid(code) {
      layer.eachLayer(function (lyr) {
        if (lyr.feature.properties.code === code) {
          map.fitBounds(lyr.getBounds(), { padding: [40, 40], maxZoom: 17 });
          lyr.openPopup();
        }
      });
    }

    function select(link) {
      markActive(link);
      showCrumbs(link);
      if (link && link.dataset.grid) {
        history.replaceState(null, "", link.getAttribute("href"));
        focusGrid(link.dataset.grid);
        return;
      }
      var code = link ? link.dataset.code : "";
      history.replaceState(null, "", code ? "?within=" + encodeURIComponent(code) : location.pathname);
      load(code);
    }

    tree.addEventListener("click", function (ev) {
      var link = ev.target.closest(".sg-tree-link");
      if (!link) return;
      ev.preventDefault();
      select(link);
    });
    crumbs.querySelector("[data-all]").addEventListener("click", function (ev) {
      ev.preventDefault();
      select(null);
    });

    var initial = config.selected ? tree.querySelector('.sg-tree-link[data-code="' + CSS.escape(config.selected) + '"]') : null;
    markActive(initial);
    showCrumbs(initial);
    load(initial ? config.selected : "");
  }

  /* --- single grid ---------------------------------------------------------------- */

  function initGrid(mapEl, config) {
    var map = createMap(mapEl);
    var layer = L.geoJSON(config.feature, { style: gridStyle }).addTo(map);
    layer.eachLayer(function (lyr) { lyr.bindPopup(popupContent(config.feature, config.labels, null)); });
    addLegend(map, config.labels);
    fitTo(map, layer);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var config = readConfig();
    var index = document.getElementById("sg-map");
    var single = document.getElementById("sg-grid-map");
    if (index) initIndex(index, config);
    if (single) initGrid(single, config);
  });
})();
