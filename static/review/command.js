// The command pages: trend bars sized from their data, and confirmations ([data-print] is shell.js's).
(function () {
  "use strict";
  document.querySelectorAll(".bars").forEach(function (box) {
    var max = Math.max(1, parseInt(box.dataset.max || "1", 10));
    box.querySelectorAll(".bar").forEach(function (bar) {
      var n = parseInt(bar.dataset.n || "0", 10);
      bar.style.height = Math.max(n ? 4 : 0, Math.round((n / max) * 100)) + "%";
    });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
