/* Picking the place of a tip: tap the map, use the phone's position, or type an address.
 * No basemap unless the server configures one: grid outlines give orientation offline. */
(function () {
  "use strict";
  var mapEl = document.getElementById("sg-tip-map");
  var lon = document.getElementById("id_lon"), lat = document.getElementById("id_lat");
  var status = document.getElementById("sg-pick-status");
  var marker = null, map = null;

  function place(latlng, how) {
    lon.value = latlng.lng.toFixed(6);
    lat.value = latlng.lat.toFixed(6);
    if (map) {
      if (marker) marker.setLatLng(latlng);
      else marker = L.circleMarker(latlng, { radius: 9, color: "#fff", weight: 2, fillColor: "#d63939",
                                             fillOpacity: 0.95, className: "sg-tip-marker" }).addTo(map);
    }
    status.textContent = how + "：" + lon.value + ", " + lat.value;
  }

  if (mapEl && window.L) {
    var url = mapEl.dataset.basemapUrl;
    map = L.map(mapEl, { zoomSnap: 0.25, maxZoom: 19, attributionControl: Boolean(url) });
    if (url) L.tileLayer(url, { attribution: mapEl.dataset.basemapAttribution || "", maxZoom: 19 }).addTo(map);
    map.setView([28.5, 112.3], 11);
    mapEl.sgMap = map;  // for the end-to-end tests: where on screen a coordinate is
    fetch(mapEl.dataset.gridsUrl).then(function (r) { return r.json(); }).then(function (data) {
      if (!data.features.length) return;
      var layer = L.geoJSON(data, { style: { color: "#1f4e8c", weight: 1, fillOpacity: 0.05 }, interactive: false });
      layer.addTo(map);
      // No zoom animation on load: the view is final when the page says it is ready (a tap during
      // the animation would land elsewhere; the end-to-end test taps right after "ready").
      if (!lon.value) map.fitBounds(layer.getBounds(), { animate: false });
      mapEl.dataset.ready = "1";
    });
    map.on("click", function (e) { place(e.latlng, "已选位置"); });
    if (lon.value && lat.value) place(L.latLng(parseFloat(lat.value), parseFloat(lon.value)), "已选位置");
  }

  var locate = document.getElementById("sg-locate");
  if (locate) locate.addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = "此设备不支持定位，请在地图上点选或填写地点描述。"; return; }
    status.textContent = "正在定位…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      var latlng = L.latLng(pos.coords.latitude, pos.coords.longitude);
      place(latlng, "手机定位");
      if (map) map.setView(latlng, 16);
    }, function () { status.textContent = "定位失败，请在地图上点选或填写地点描述。"; }, { timeout: 10000 });
  });

  var identity = document.getElementById("sg-identity");
  document.querySelectorAll("input[name=anonymous]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      identity.classList.toggle("d-none", document.getElementById("id_anon_yes").checked);
    });
  });
})();
