/* The tip's place on a small map (grid outlines when no basemap is configured). */
(function () {
  "use strict";
  var el = document.getElementById("sg-tip-mini-map");
  if (!el || !window.L) return;
  var url = el.dataset.basemapUrl, latlng = L.latLng(parseFloat(el.dataset.lat), parseFloat(el.dataset.lon));
  var map = L.map(el, { zoomSnap: 0.25, maxZoom: 19, attributionControl: Boolean(url) }).setView(latlng, 15);
  if (url) L.tileLayer(url, { attribution: el.dataset.basemapAttribution || "", maxZoom: 19 }).addTo(map);
  fetch(el.dataset.gridsUrl).then(function (r) { return r.json(); }).then(function (data) {
    L.geoJSON(data, { style: { color: "#1f4e8c", weight: 1, fillOpacity: 0.05 }, interactive: false }).addTo(map);
  });
  L.circleMarker(latlng, { radius: 8, color: "#fff", weight: 2, fillColor: "#d63939", fillOpacity: 0.95 }).addTo(map);
})();
