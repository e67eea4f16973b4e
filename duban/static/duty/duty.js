/* 值班: the roster's "fill down" helper. (The countdowns of running clocks
   tick through duban/countdown.js.) */
(function () {
  "use strict";

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
})();
