/* The QR link carries the code after '#': it never reaches the server's logs. Fill and submit. */
(function () {
  "use strict";
  var code = decodeURIComponent((window.location.hash || "").replace(/^#/, ""));
  var input = document.getElementById("id_code");
  if (!code || !input) return;
  history.replaceState(null, "", window.location.pathname);
  input.value = code;
  document.getElementById("sg-track-form").submit();
})();
