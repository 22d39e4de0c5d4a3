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

// Bulk bars of the report lists: "select all on this page" ticks every row, the count of the
// reports ticked is announced, and Enter in the day box defers. Without it the form still
// works: the all-on-this-page box posts the page's ids, and the buttons name their action.
(function () {
  function rows(form) {
    return document.querySelectorAll('input[data-bulk-row][form="' + form.id + '"]');
  }
  function refresh(form) {
    var boxes = rows(form);
    var ticked = 0;
    boxes.forEach(function (box) { if (box.checked) { ticked += 1; } });
    var all = form.querySelector("[data-bulk-all]");
    if (all) {
      all.checked = boxes.length > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    var count = form.querySelector("[data-bulk-count]");
    if (count) {
      count.textContent = ticked ? interpolate(ngettext("(%(n)s ticked)", "(%(n)s ticked)", ticked), { n: ticked }, true) : "";
    }
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-bulk-all]")) {
      rows(target.form).forEach(function (box) { box.checked = target.checked; });
      refresh(target.form);
    } else if (target.matches("input[data-bulk-row]")) {
      var form = document.getElementById(target.getAttribute("form"));
      if (form) { refresh(form); }
    }
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || !target.matches || !target.matches("[data-bulk-submit]")) { return; }
    var button = target.form && target.form.querySelector(
      'button[name="action"][value="' + target.getAttribute("data-bulk-submit") + '"]'
    );
    if (button) { event.preventDefault(); button.click(); }
  });
})();
