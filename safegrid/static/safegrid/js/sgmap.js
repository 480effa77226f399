/* Shared pieces of safegrid's Leaflet pages (grid map, enterprise map, risk map).
 * No basemap unless the server configures one (intranets have no internet). */
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* A map on `mapEl` with the configured basemap (data-basemap-url) if any.
   * options.gridPane: a pane below the points, so a click always reaches the point. */
  function createMap(mapEl, options) {
    options = options || {};
    var url = mapEl.dataset.basemapUrl;
    // markercluster needs a maxZoom even when no tile layer provides one.
    var map = L.map(mapEl, { zoomSnap: 0.25, maxZoom: 18, attributionControl: Boolean(url) });
    if (url) {
      map.attributionControl.setPrefix(false);
      L.tileLayer(url, { attribution: mapEl.dataset.basemapAttribution || "", maxZoom: 18 }).addTo(map);
    }
    if (options.gridPane) map.createPane("grids").style.zIndex = 350;
    map.setView([30, 112], 6);
    return map;
  }

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }

  /* The overlay line above a map (#sg-map-status): loading, counts, errors. */
  function statusLine(node) {
    return function (text, kind) {
      node.textContent = text || "";
      node.className = "sg-map-status small" + (text ? " show text-bg-" + (kind || "light") : "");
    };
  }

  window.sgMap = { el: el, createMap: createMap, fetchJson: fetchJson, statusLine: statusLine };
})();
