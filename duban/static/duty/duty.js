/* 值班: the countdowns of running clocks tick every second (the server
   renders the seconds remaining; the duty screen's list refreshes itself
   every 15 s through htmx), and the roster's "fill down" helper. Without
   this script the server's figures show as rendered. */
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
      el.classList.toggle("soon", left >= 0 && left < 300);
    });
  }

  function fillDown(button) {
    var form = button.form;
    if (!form) { return; }
    var rows = form.querySelectorAll("table.roster tbody tr");
    if (!rows.length) { return; }
    var first = rows[0].querySelectorAll("select");
    rows.forEach(function (row) {
      row.querySelectorAll("select").forEach(function (select, i) {
        if (!select.value && first[i] && first[i].value) { select.value = first[i].value; }
      });
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-fill-down]");
    if (button) { event.preventDefault(); fillDown(button); }
  });
  document.addEventListener("DOMContentLoaded", function () { arm(document); tick(); });
  document.addEventListener("htmx:afterSwap", function () { arm(document); tick(); });
  window.setInterval(tick, 1000);
})();
