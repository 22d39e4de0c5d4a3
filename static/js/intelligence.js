// Grading form: show only the chosen scheme's codes and explanations (works without it too).
(function () {
  function applyScheme(form) {
    var schemeSelect = form.querySelector("[data-grading-scheme]");
    if (!schemeSelect) { return; }
    var scheme = schemeSelect.value;
    form.querySelectorAll("[data-grading-axis]").forEach(function (select) {
      select.querySelectorAll("optgroup").forEach(function (group) {
        var first = group.querySelector("option");
        var matches = first && first.value.indexOf(scheme + ":") === 0;
        group.hidden = !matches;
        group.disabled = !matches;
      });
      var chosen = select.options[select.selectedIndex];
      if (chosen && chosen.value && chosen.value.indexOf(scheme + ":") !== 0) { select.value = ""; }
    });
    document.querySelectorAll("[data-scheme-help]").forEach(function (card) {
      card.hidden = card.getAttribute("data-scheme-help") !== scheme;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      var schemeSelect = form.querySelector("[data-grading-scheme]");
      if (!schemeSelect) { return; }
      schemeSelect.addEventListener("change", function () { applyScheme(form); });
      applyScheme(form);
    });
  });
})();
