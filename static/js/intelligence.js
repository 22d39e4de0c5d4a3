// Grading form: show only the chosen scheme's codes and explanations (works without it too).
(function () {
  // The closed select cuts a long meaning on a phone: repeat the chosen one, wrapped, under it.
  function showMeaning(select) {
    var line = select.parentNode.querySelector("[data-grading-meaning]");
    if (!line) {
      line = document.createElement("div");
      line.className = "form-text fw-semibold";
      line.setAttribute("data-grading-meaning", "1");
      line.setAttribute("aria-live", "polite");
      select.insertAdjacentElement("afterend", line);
    }
    var chosen = select.options[select.selectedIndex];
    line.textContent = chosen && chosen.value ? chosen.textContent : "";
    line.hidden = !line.textContent;
  }
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
    form.querySelectorAll("[data-grading-axis]").forEach(showMeaning);
    document.querySelectorAll("[data-scheme-help]").forEach(function (card) {
      card.hidden = card.getAttribute("data-scheme-help") !== scheme;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      var schemeSelect = form.querySelector("[data-grading-scheme]");
      if (!schemeSelect) { return; }
      schemeSelect.addEventListener("change", function () { applyScheme(form); });
      form.querySelectorAll("[data-grading-axis]").forEach(function (select) {
        select.addEventListener("change", function () { showMeaning(select); });
      });
      applyScheme(form);
    });
  });
})();
