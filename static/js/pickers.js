// Pickers (intelligence/pickers.py): a typed-in box becomes a combobox that looks records up
// as the person types, through GET /api/v1/lookup/ (the session's sign-in and justification;
// only records the person may see, each look-up audited as a search). The form still receives
// the box's value: an id, a URN, or a list separated by commas or spaces. Without this script
// the box is a plain text box and typing the id or URNs works as before.
//
// The ARIA combobox pattern (editable, list autocomplete): arrow keys move through the options
// (aria-activedescendant), Enter chooses, Escape closes the list (or clears the text), and a
// polite live region says how many records were found or why none were looked up.
(function () {
  "use strict";

  var DELAY = 200;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function splitList(text) {
    // As ilp_platform/core/separators.py: commas, semicolons and white space separate.
    return (text || "").split(/[,;\s]+/).filter(function (part) { return part; });
  }

  function Picker(root) {
    var valueBox = root.querySelector("[data-picker-value]");
    var chosenList = root.querySelector("[data-picker-chosen]");
    var multiple = root.hasAttribute("data-multiple");
    var kind = root.getAttribute("data-kind");
    var url = root.getAttribute("data-url");
    var valueField = root.getAttribute("data-value-field") || "id";
    var minQuery = parseInt(root.getAttribute("data-min-query") || "2", 10);
    var baseId = valueBox.id || ("picker-" + Math.random().toString(36).slice(2));
    var timer = null;
    var sequence = 0;
    var options = [];
    var active = -1;

    // The combobox takes the box's id, so the field's <label for> now names it.
    var input = el("input", valueBox.className);
    input.type = "text";
    input.id = baseId;
    valueBox.id = baseId + "_value";
    valueBox.type = "hidden";
    valueBox.removeAttribute("aria-describedby");
    valueBox.removeAttribute("aria-invalid");
    valueBox.removeAttribute("required");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", baseId + "_listbox");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("spellcheck", "false");
    ["aria-describedby", "aria-invalid", "placeholder"].forEach(function (name) {
      var value = valueBox.getAttribute(name);
      if (value) { input.setAttribute(name, value); }
    });
    if (!input.getAttribute("placeholder")) {
      input.setAttribute("placeholder", multiple ? gettext("Type to add…") : gettext("Type to search…"));
    }
    var describedBy = (document.getElementById(baseId + "_helptext") ? baseId + "_helptext" : "");
    if (describedBy && !input.getAttribute("aria-describedby")) {
      input.setAttribute("aria-describedby", describedBy);
    }

    var list = el("ul", "picker-options");
    list.id = baseId + "_listbox";
    list.setAttribute("role", "listbox");
    var label = document.querySelector("label[for='" + baseId + "']");
    if (label) {
      if (!label.id) { label.id = baseId + "_label"; }
      list.setAttribute("aria-labelledby", label.id);
    }
    list.hidden = true;

    var status = el("div", "visually-hidden");
    status.id = baseId + "_status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");

    var hint = el("div", "picker-hint small text-muted");
    hint.hidden = true;

    root.classList.add("picker-ready");
    var box = el("div", "picker-box");
    box.appendChild(input);
    box.appendChild(list);
    root.insertBefore(box, chosenList);
    root.insertBefore(hint, chosenList);
    root.appendChild(status);

    function values() {
      return Array.prototype.map.call(chosenList.querySelectorAll("li[data-value]"), function (li) {
        return li.getAttribute("data-value");
      });
    }

    function sync() {
      var chosen = values();
      valueBox.value = multiple ? chosen.join(", ") : (chosen[0] || "");
      chosenList.hidden = chosen.length === 0;
    }

    function removeButton(li) {
      var name = li.querySelector(".picker-label");
      var button = el("button", "picker-remove", "×");
      button.type = "button";
      button.setAttribute("aria-label", interpolate(gettext("Remove %(name)s"), { name: name ? name.textContent : li.getAttribute("data-value") }, true));
      button.addEventListener("click", function () {
        li.remove();
        sync();
        say(interpolate(gettext("%(name)s removed."), { name: name ? name.textContent : "" }, true));
        input.focus();
      });
      li.appendChild(button);
    }

    function addChip(value, labelText, detail) {
      if (!multiple) { chosenList.textContent = ""; }
      var exists = values().indexOf(value) !== -1;
      if (!exists) {
        var li = el("li", "picker-chip");
        li.setAttribute("data-value", value);
        li.appendChild(el("span", "picker-label", labelText));
        if (detail) {
          li.appendChild(document.createTextNode(" "));
          li.appendChild(el("span", "picker-detail", detail));
        }
        removeButton(li);
        chosenList.appendChild(li);
      }
      sync();
    }

    function say(message) {
      status.textContent = message;
    }

    function showHint(message) {
      hint.textContent = message || "";
      hint.hidden = !message;
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = list.querySelectorAll("[role=option]");
      if (!items.length) { return; }
      active = (index + items.length) % items.length;
      Array.prototype.forEach.call(items, function (item, i) {
        item.setAttribute("aria-selected", i === active ? "true" : "false");
        item.classList.toggle("active", i === active);
      });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      var item = options[index];
      if (!item) { return; }
      addChip(String(item[valueField]), item.label, item.detail);
      input.value = "";
      close();
      showHint("");
      say(interpolate(gettext("%(name)s chosen."), { name: item.label }, true));
    }

    function render(results) {
      options = results;
      list.textContent = "";
      results.forEach(function (item, i) {
        var option = el("li", "picker-option");
        option.id = baseId + "_option_" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.appendChild(el("span", "picker-label", item.label));
        if (item.detail) {
          option.appendChild(document.createTextNode(" "));
          option.appendChild(el("span", "picker-detail", item.detail));
        }
        // mousedown, not click: the box keeps its focus.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(i);
        });
        list.appendChild(option);
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (results.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        showHint("");
        say(interpolate(ngettext("%(n)s result. Use the arrow keys to choose.",
          "%(n)s results. Use the arrow keys to choose.", results.length), { n: results.length }, true));
      } else {
        close();
        var message = gettext("No match among the records you may see.");
        showHint(message);
        say(message);
      }
    }

    function refuse(message) {
      options = [];
      list.textContent = "";
      close();
      showHint(message);
      say(message);
    }

    function search() {
      var q = input.value.trim();
      if (q.length < minQuery) {
        options = [];
        list.textContent = "";
        close();
        showHint("");
        if (q.length) { say(interpolate(ngettext("Type at least %(n)s character.", "Type at least %(n)s characters.", minQuery), { n: minQuery }, true)); }
        return;
      }
      var mine = ++sequence;
      var address = url + "?kind=" + encodeURIComponent(kind) + "&q=" + encodeURIComponent(q);
      root.classList.add("picker-busy");
      fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            return { status: response.status, body: body };
          });
        })
        .then(function (answer) {
          if (mine !== sequence) { return; }
          root.classList.remove("picker-busy");
          if (answer.status === 200) {
            render(answer.body.results || []);
          } else if (answer.status === 428) {
            refuse(gettext("State a justification (top of the page) to look records up, or type the id."));
          } else if (answer.status === 400 && answer.body.q) {
            refuse(String(answer.body.q[0]));
          } else if (answer.status === 401 || answer.status === 403) {
            refuse(gettext("You may not look these records up here: type the id instead."));
          } else {
            refuse(gettext("The look-up did not answer: type the id instead."));
          }
        })
        .catch(function () {
          if (mine !== sequence) { return; }
          root.classList.remove("picker-busy");
          refuse(gettext("The look-up did not answer: type the id instead."));
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DELAY);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open && options.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        highlight(active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (open) { highlight(active - 1); }
      } else if (event.key === "Home" && open && options.length) {
        event.preventDefault();
        highlight(0);
      } else if (event.key === "End" && open && options.length) {
        event.preventDefault();
        highlight(options.length - 1);
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault();
          choose(active);
        }
      } else if (event.key === "Escape") {
        if (open) {
          event.preventDefault();
          close();
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
          showHint("");
        }
      } else if (event.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", function () { close(); });

    // Text typed and not chosen (an id, a URN) is sent as typed: the form checks it.
    var form = root.closest("form");
    if (form) {
      form.addEventListener("submit", function () {
        var typed = splitList(input.value);
        if (!typed.length) { return; }
        if (multiple) {
          valueBox.value = values().concat(typed).join(", ");
        } else {
          valueBox.value = typed.join(" ");
        }
      });
    }

    Array.prototype.forEach.call(chosenList.querySelectorAll("li[data-value]"), removeButton);
    sync();
  }

  function start(scope) {
    Array.prototype.forEach.call((scope || document).querySelectorAll("[data-picker]"), function (root) {
      if (!root.classList.contains("picker-ready")) { Picker(root); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { start(document); });
  } else {
    start(document);
  }
  document.addEventListener("htmx:load", function (event) { start(event.target); });
})();
