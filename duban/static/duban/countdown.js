/* Countdowns (the duty office's report clocks, the meeting room's speaker
   and meeting): every `.countdown[data-remaining]` ticks each second from
   the seconds the server rendered ("剩余 4:59", "已超时 0:12"), also after
   htmx swaps part of the page; it turns "soon" (yellow) in its last
   `data-soon` seconds (default 300). An element crossing zero gets the event
   "countdown:zero" (bubbling), for pages that refresh then. Without this
   script the server's figures show as rendered. */
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function format(seconds) {
    var s = Math.abs(seconds);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var text = (h ? h + ":" + pad(m) : String(m)) + ":" + pad(r);
    return seconds >= 0 ? "剩余 " + text : "已超时 " + text;
  }

  function arm(root) {
    var now = Date.now() / 1000;
    root.querySelectorAll(".countdown[data-remaining]").forEach(function (el) {
      if (el.dataset.deadline) { return; }
      var remaining = parseInt(el.dataset.remaining, 10);
      if (isNaN(remaining)) { return; }
      el.dataset.deadline = String(now + remaining);
    });
  }

  function tick() {
    var now = Date.now() / 1000;
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
      var left = Math.round(parseFloat(el.dataset.deadline) - now);
      el.textContent = format(left);
      el.classList.toggle("overdue", left < 0);
      var soon = parseInt(el.dataset.soon || "300", 10);
      el.classList.toggle("soon", left >= 0 && left < soon);
      if (left <= 0 && !el.dataset.zeroSent) {
        el.dataset.zeroSent = "1";
        el.dispatchEvent(new CustomEvent("countdown:zero", { bubbles: true }));
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { arm(document); tick(); });
  document.addEventListener("htmx:afterSwap", function () { arm(document); tick(); });
  window.setInterval(tick, 1000);
})();
