// 系统管理 pages: small behaviours without inline handlers (the pages run under a CSP).
(function () {
  "use strict";
  // A select that navigates to the chosen URL (the section menu on phones).
  document.querySelectorAll("select[data-sg-navigate]").forEach(function (select) {
    select.addEventListener("change", function () { window.location.assign(select.value); });
  });
  // A select or checkbox that submits its form when changed (list filters).
  document.querySelectorAll("[data-sg-autosubmit]").forEach(function (input) {
    input.addEventListener("change", function () { input.form.requestSubmit(); });
  });
  // Fields shown only for some roles: <div data-sg-roles="county_office town_office">.
  var role = document.querySelector("select[data-sg-role]");
  function showForRole() {
    document.querySelectorAll("[data-sg-roles]").forEach(function (block) {
      var roles = block.getAttribute("data-sg-roles").split(" ");
      block.hidden = role.value !== "" && roles.indexOf(role.value) === -1;
    });
  }
  if (role) {
    role.addEventListener("change", showForRole);
    showForRole();
  }
  // Copy a one-time password to the clipboard.
  document.querySelectorAll("[data-sg-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-sg-copy"));
      if (target && navigator.clipboard) {
        navigator.clipboard.writeText(target.textContent.trim()).then(function () {
          button.textContent = button.getAttribute("data-sg-copied") || "已复制";
        });
      }
    });
  });
})();
