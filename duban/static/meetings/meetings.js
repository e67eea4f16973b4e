/* 会场屏幕: when the sign-in code runs out, fetch the screen again at once
   (it also refreshes itself every 10 s through htmx). The countdowns tick
   through duban/countdown.js. */
(function () {
  "use strict";

  document.addEventListener("countdown:zero", function (event) {
    if (!event.target.hasAttribute("data-refresh")) { return; }
    var body = document.getElementById("room-body");
    if (body && window.htmx) { window.setTimeout(function () { window.htmx.trigger(body, "refresh"); }, 300); }
  });
})();
