/* Hazard pages on a phone: photos compressed in the browser before upload (every
   input[data-sg-compress]), and the three-screen report form (#sg-report-form) with GPS,
   a small map for a manual position and the nearby-enterprises list. */
(function () {
  "use strict";

  var configNode = document.getElementById("sg-report-config");
  var config = configNode ? JSON.parse(configNode.textContent) : {};
  var MAX_SIDE = config.maxSide || 1600;
  var QUALITY = config.quality || 0.8;
  var MAX_PHOTOS = config.maxPhotos || 9;
  var pending = 0; // compressions in flight; submitting waits for them

  // --- photos --------------------------------------------------------------------------------

  function loadImage(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () { resolve({ img: img, url: url }); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("not an image")); };
      img.src = url;
    });
  }

  // Longest side ≤ MAX_SIDE, JPEG at QUALITY; a file that fails to decode is sent as it is
  // (the server checks the content and answers in Chinese).
  function compress(file) {
    return loadImage(file).then(function (loaded) {
      var img = loaded.img;
      var scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(img.naturalWidth * scale);
      canvas.height = Math.round(img.naturalHeight * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      URL.revokeObjectURL(loaded.url);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || (blob.size >= file.size && file.type === "image/jpeg" && scale === 1)) {
            resolve(file);
            return;
          }
          var name = file.name.replace(/\.[^.]+$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: Date.now() }));
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; });
  }

  function setFiles(input, files) {
    var dt = new DataTransfer();
    files.forEach(function (f) { dt.items.add(f); });
    input.files = dt.files;
  }

  function renderPreviews(input) {
    var box = document.querySelector('.sg-previews[data-for="' + input.id + '"]');
    if (!box) return;
    box.innerHTML = "";
    input._sgFiles.forEach(function (file, index) {
      var wrap = document.createElement("div");
      wrap.className = "sg-preview";
      var img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-sm btn-danger sg-preview-remove";
      remove.setAttribute("aria-label", "移除照片");
      remove.innerHTML = '<i class="bi bi-x"></i>';
      remove.addEventListener("click", function () {
        input._sgFiles.splice(index, 1);
        setFiles(input, input._sgFiles);
        renderPreviews(input);
      });
      var size = document.createElement("span");
      size.className = "sg-preview-size";
      size.textContent = Math.round(file.size / 1024) + " KB";
      wrap.append(img, remove, size);
      box.appendChild(wrap);
    });
  }

  function bindCompression(input) {
    input._sgFiles = [];
    input.addEventListener("change", function () {
      if (input._sgBusy) return; // our own setFiles does not fire change, but be safe
      var added = Array.prototype.slice.call(input.files);
      var room = MAX_PHOTOS - input._sgFiles.length;
      if (added.length > room) {
        alert("每类照片最多 " + MAX_PHOTOS + " 张。");
        added = added.slice(0, Math.max(room, 0));
      }
      pending += 1;
      input._sgBusy = true;
      Promise.all(added.map(compress)).then(function (files) {
        input._sgFiles = input._sgFiles.concat(files);
        setFiles(input, input._sgFiles);
        renderPreviews(input);
      }).finally(function () {
        pending -= 1;
        input._sgBusy = false;
        input.dataset.ready = String(input._sgFiles.length);
        input.dispatchEvent(new CustomEvent("sg:photos", { bubbles: true }));
      });
    });
  }

  document.querySelectorAll("input[data-sg-compress]").forEach(bindCompression);

  // Wait for compressions to finish before a form is sent.
  document.addEventListener("submit", function (event) {
    if (pending > 0) {
      event.preventDefault();
      var form = event.target;
      var timer = setInterval(function () {
        if (pending === 0) { clearInterval(timer); form.requestSubmit(); }
      }, 100);
    }
  }, true);

  // --- the report wizard -----------------------------------------------------------------------

  var form = document.getElementById("sg-report-form");
  if (!form) return;

  var lonInput = document.getElementById("id_lon");
  var latInput = document.getElementById("id_lat");
  var status = document.getElementById("sg-geo-status");
  var nearbyBox = document.getElementById("sg-nearby");
  var searchBox = document.getElementById("sg-nearby-q");
  var noOwner = document.getElementById("sg-no-owner");
  var gridSelect = document.getElementById("id_grid");
  var map = null;
  var marker = null;
  var loadedFor = null;

  function showStep(n) {
    form.dataset.step = String(n);
    form.querySelectorAll(".sg-step").forEach(function (s) { s.hidden = s.dataset.step !== String(n); });
    document.querySelectorAll("[data-step-tab]").forEach(function (t) {
      t.classList.toggle("active", t.dataset.stepTab === String(n));
      t.classList.toggle("done", Number(t.dataset.stepTab) < n);
    });
    if (n === 1 && map) setTimeout(function () { map.invalidateSize(); }, 50);
    if (n === 2) loadNearby();
    if (n === 3) summarise();
    window.scrollTo(0, 0);
  }

  function point() {
    var lon = parseFloat(lonInput.value), lat = parseFloat(latInput.value);
    return isFinite(lon) && isFinite(lat) ? [lon, lat] : null;
  }

  function setPoint(lon, lat, note) {
    lonInput.value = lon.toFixed(6);
    latInput.value = lat.toFixed(6);
    status.textContent = note;
    status.className = "small mt-1 text-success";
    placeMarker();
  }

  function placeMarker() {
    var p = point();
    if (!map || !p) return;
    var ll = [p[1], p[0]];
    if (marker) marker.setLatLng(ll); else marker = L.marker(ll).addTo(map);
    map.setView(ll, Math.max(map.getZoom(), 15));
  }

  function locate() {
    if (!navigator.geolocation) {
      status.textContent = "浏览器不支持定位，请在地图上点选或输入经纬度。";
      status.className = "small mt-1 text-warning-emphasis";
      return;
    }
    status.textContent = "正在获取当前位置…";
    status.className = "small mt-1 text-body-secondary";
    navigator.geolocation.getCurrentPosition(function (pos) {
      setPoint(pos.coords.longitude, pos.coords.latitude,
        "已定位（精度约 " + Math.round(pos.coords.accuracy) + " 米）");
    }, function () {
      status.textContent = "无法获取定位，请在地图上点选位置或输入经纬度。";
      status.className = "small mt-1 text-warning-emphasis";
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }

  function initMap() {
    var node = document.getElementById("sg-report-map");
    if (!node || typeof L === "undefined") return;
    map = L.map(node, { zoomControl: true }).setView([28.5, 112.3], 12);
    if (node.dataset.basemapUrl) {
      L.tileLayer(node.dataset.basemapUrl, { attribution: node.dataset.basemapAttribution || "" }).addTo(map);
    }
    map.on("click", function (e) { setPoint(e.latlng.lng, e.latlng.lat, "已在地图上选定位置"); });
    if (config.gridsUrl) {
      fetch(config.gridsUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); })
        .then(function (data) {
          if (!data.features || !data.features.length) return;
          var layer = L.geoJSON(data, { style: { color: "#1f4e8c", weight: 1, fillOpacity: 0.05 },
            onEachFeature: function (f, l) { l.bindTooltip(f.properties.name); } }).addTo(map);
          layer.on("click", function (e) { setPoint(e.latlng.lng, e.latlng.lat, "已在地图上选定位置"); });
          if (!point()) map.fitBounds(layer.getBounds());
        }).catch(function () {});
    }
    placeMarker();
  }

  function loadNearby() {
    if (!nearbyBox) return;
    var p = point();
    var q = searchBox ? searchBox.value.trim() : "";
    var key = (p ? p.join(",") : "") + "|" + q;
    if (key === loadedFor) return;
    loadedFor = key;
    var params = new URLSearchParams();
    if (p) { params.set("lon", p[0]); params.set("lat", p[1]); }
    if (q) params.set("q", q);
    fetch(config.nearbyUrl + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        nearbyBox.innerHTML = html;
        var list = nearbyBox.querySelector(".sg-nearby-list");
        var selected = nearbyBox.dataset.selected;
        var chosen = selected ? nearbyBox.querySelector('input[value="' + selected + '"]') : null;
        if (chosen) chosen.checked = true;
        if (list && list.dataset.grid && gridSelect && !gridSelect.value) gridSelect.value = list.dataset.grid;
        syncOwner();
      })
      .catch(function () { nearbyBox.innerHTML = '<div class="small text-danger">附近单位加载失败，请重试。</div>'; });
  }

  function syncOwner() {
    var checked = form.querySelector('input[name="enterprise"]:checked');
    if (noOwner) noOwner.hidden = !(checked && checked.hasAttribute("data-no-owner"));
    if (checked && nearbyBox) nearbyBox.dataset.selected = checked.value;
  }

  function syncChoices() {
    var major = form.querySelector('input[name="grade"][value="major"]');
    var onSpot = form.querySelector('input[name="handling"][value="on_spot"]');
    document.getElementById("sg-criterion-box").hidden = !(major && major.checked);
    // A major hazard is never fixed on the spot (销号五步法).
    if (onSpot) {
      onSpot.disabled = !!(major && major.checked);
      if (onSpot.disabled && onSpot.checked) form.querySelector('input[name="handling"][value="by_deadline"]').checked = true;
    }
    document.getElementById("sg-onspot-box").hidden = !(onSpot && onSpot.checked);
  }

  function text(selector) {
    var el = form.querySelector(selector);
    if (!el) return "";
    if (el.tagName === "SELECT") return el.value ? el.options[el.selectedIndex].text : "";
    return el.value;
  }

  function summarise() {
    var box = document.getElementById("sg-summary");
    var owner = form.querySelector('input[name="enterprise"]:checked');
    var place = owner ? owner.closest("label").querySelector("span").firstChild.textContent.trim() : "";
    if (owner && owner.hasAttribute("data-no-owner")) place = "无主场所 · " + text("#id_grid") + " " + text("#id_location");
    var grade = form.querySelector('input[name="grade"]:checked');
    var handling = form.querySelector('input[name="handling"]:checked');
    var photos = document.getElementById("id_before_photos");
    var rows = [
      ["位置", point() ? point().map(function (v) { return v.toFixed(5); }).join(", ") : "未定位"],
      ["单位", place || (nearbyBox ? "未选择" : "本单位")],
      ["类型", text("#id_hazard_type") || "未选择"],
      ["等级", grade ? grade.nextElementSibling.textContent : ""],
      ["治理方式", handling ? handling.nextElementSibling.textContent : ""],
      ["照片", (photos && photos.files ? photos.files.length : 0) + " 张"],
    ];
    box.innerHTML = "";
    rows.forEach(function (r) {
      var line = document.createElement("div");
      line.innerHTML = "<span class='text-body-secondary'></span> ";
      line.firstChild.textContent = r[0] + "：";
      line.appendChild(document.createTextNode(r[1]));
      box.appendChild(line);
    });
  }

  form.querySelectorAll(".sg-next").forEach(function (button) {
    button.addEventListener("click", function () { showStep(Number(button.dataset.go)); });
  });
  form.addEventListener("change", function (e) {
    if (e.target.name === "enterprise") syncOwner();
    if (e.target.name === "grade" || e.target.name === "handling") syncChoices();
  });
  [lonInput, latInput].forEach(function (input) { input.addEventListener("change", placeMarker); });
  if (searchBox) {
    var timer = null;
    searchBox.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(loadNearby, 400);
    });
  }
  document.getElementById("sg-locate").addEventListener("click", locate);

  initMap();
  syncChoices();
  showStep(Number(form.dataset.step) || 1);
  if (!point()) locate(); else status.textContent = "已填写位置";
})();
