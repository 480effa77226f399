// Signature pads: draw with mouse, finger or pen on a <canvas>; on submit each pad's PNG data URL
// goes into its hidden input (an untouched pad sends nothing, and the server says whose is missing).
(function () {
  function setup(pad) {
    var canvas = pad.querySelector("canvas");
    var input = document.getElementById(pad.dataset.target);
    var ctx, drawing = false, inked = false;
    function resize() {
      var ratio = window.devicePixelRatio || 1;
      canvas.width = canvas.clientWidth * ratio;
      canvas.height = canvas.clientHeight * ratio;
      ctx = canvas.getContext("2d");
      ctx.scale(ratio, ratio);
      ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111";
      inked = false;
    }
    function point(e) {
      var r = canvas.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    }
    canvas.addEventListener("pointerdown", function (e) {
      drawing = true; canvas.setPointerCapture(e.pointerId);
      var p = point(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]); e.preventDefault();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return;
      var p = point(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); inked = true; e.preventDefault();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });
    pad.querySelector(".sg-clear").addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height); inked = false; input.value = "";
    });
    resize();
    return function () { input.value = inked ? canvas.toDataURL("image/png") : ""; };
  }
  var form = document.getElementById("sg-sign-form");
  if (!form) return;
  var collectors = Array.prototype.map.call(document.querySelectorAll(".sg-pad"), setup);
  form.addEventListener("submit", function () { collectors.forEach(function (c) { c(); }); });
})();
