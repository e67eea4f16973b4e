/* 督查督办 forms: show the particulars of the chosen source, and narrow a
   person list to the chosen unit. Without this script every field shows
   and every person is listed; the server checks everything anyway. */
(function () {
  "use strict";

  function showParticulars(root) {
    root.querySelectorAll("select[name$='source_kind']").forEach(function (select) {
      var form = select.form;
      if (!form) { return; }
      var kind = select.value;
      form.querySelectorAll("[data-kinds]").forEach(function (el) {
        var box = el.closest(".field") || el;
        var kinds = el.getAttribute("data-kinds").split(" ");
        box.hidden = !kind || kinds.indexOf(kind) < 0;
      });
    });
  }

  function narrowPeople(unitSelect, keepChoice) {
    var pair = unitSelect.closest(".pair");
    if (!pair) { return; }
    var people = pair.querySelector("select[data-person-select]");
    if (!people) { return; }
    var chosen = unitSelect.options[unitSelect.selectedIndex];
    var path = chosen ? chosen.getAttribute("data-path") : null;
    people.querySelectorAll("option[data-path]").forEach(function (option) {
      var fits = !path || option.getAttribute("data-path").indexOf(path) === 0;
      option.hidden = !fits;
      option.disabled = !fits;
      if (!fits && option.selected && !keepChoice) { people.value = ""; }
    });
    people.querySelectorAll("optgroup").forEach(function (group) {
      group.hidden = !group.querySelector("option:not([hidden])");
    });
  }

  function apply(root) {
    showParticulars(root);
    root.querySelectorAll("select[data-unit-select]").forEach(function (s) { narrowPeople(s, true); });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("select[name$='source_kind']")) { showParticulars(document); }
    if (target.matches("select[data-unit-select]")) { narrowPeople(target, false); }
  });
  document.addEventListener("DOMContentLoaded", function () { apply(document); });
  document.addEventListener("htmx:afterSwap", function () { apply(document); });
})();
