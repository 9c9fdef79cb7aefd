// Live countdowns for summons report-in: the server renders the remaining seconds; this only ticks.
/* global gettext, interpolate */
(function () {
  "use strict";
  var started = Date.now();
  var nodes = Array.prototype.slice.call(document.querySelectorAll(".countdown[data-remaining]"));
  function format(seconds) {
    var sign = seconds < 0 ? "-" : "";
    var s = Math.abs(seconds);
    var m = Math.floor(s / 60);
    var r = s % 60;
    return sign + m + ":" + (r < 10 ? "0" : "") + r;
  }
  function tick() {
    var elapsed = Math.floor((Date.now() - started) / 1000);
    nodes.forEach(function (node) {
      var left = parseInt(node.getAttribute("data-remaining"), 10) - elapsed;
      node.textContent = left >= 0 ? format(left) : interpolate(gettext("超时 %(time)s"), { time: format(-left) }, true);
      node.classList.toggle("overdue", left < 0);
    });
  }
  if (nodes.length) {
    tick();
    setInterval(tick, 1000);
  }
})();
