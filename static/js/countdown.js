// Live countdowns on every page (a summons' report-in, a matter's 移送/派单/核查/回访 clock): the server
// renders the remaining seconds; this only ticks.
/* global gettext, interpolate */
(function () {
  "use strict";
  var started = Date.now();
  var nodes = Array.prototype.slice.call(document.querySelectorAll(".countdown[data-remaining]"));
  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }
  function format(seconds) {
    var sign = seconds < 0 ? "-" : "";
    var s = Math.abs(seconds);
    if (s >= 2 * 86400) {
      // a clock of working days: days and hours
      return sign + interpolate(gettext("%(days)s天%(hours)s小时"),
        { days: Math.floor(s / 86400), hours: Math.floor((s % 86400) / 3600) }, true);
    }
    if (s >= 3600) {
      return sign + Math.floor(s / 3600) + ":" + pad(Math.floor((s % 3600) / 60)) + ":" + pad(s % 60);
    }
    return sign + Math.floor(s / 60) + ":" + pad(s % 60);
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
