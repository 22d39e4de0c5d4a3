// The link chart workspace (templates/operations/chart.html): a saved chart of an operation
// drawn with vis-network. The page passes the chart through a json_script element; the script
// places entities (picked by name, found by a search, or all those the operation gathers:
// GET charts/{id}/entities/), expands them (GET graph/neighbours, depth 1), finds the shortest
// paths between two of them (GET graph/path, drawn in red), filters by entity kind, link kind,
// strength, compartment and the day a link was recorded, shows the selected entity, saves the
// positions (PATCH charts/{id}/) and exports a PNG of the canvas; the SVG, CSV and GraphML
// exports are made by the server from the saved chart with the same filters (the links'
// query strings follow the boxes). Every call goes through the API with the session's sign-in
// and justification: only what the reader may see comes back, and each call is audited.
//
// The Content-Security-Policy allows no inline style. vis-network's standalone build adds its
// CSS through <style> elements when it loads; the page links vis-network.min.css instead, and
// this file (loaded just before the library) keeps those empty <style> elements out of the
// document until the page has loaded, so the browser has nothing to refuse.
(function () {
  "use strict";

  // --- Keep vis-network's <style> elements out of the document (see above) ------------------
  var head = document.head;
  var append = head.appendChild;
  var insert = head.insertBefore;
  function injected(node) {
    return node && node.nodeName === "STYLE" && !node.textContent && !node.hasAttribute("nonce");
  }
  head.appendChild = function (node) {
    return injected(node) ? node : append.call(head, node);
  };
  head.insertBefore = function (node, before) {
    return injected(node) ? node : insert.call(head, node, before);
  };
  function restoreHead() {
    head.appendChild = append;
    head.insertBefore = insert;
  }

  // --- Helpers -------------------------------------------------------------------------------
  var PATH_COLOUR = "#c62828";
  var EDGE_COLOUR = "#7b8794";
  var LABEL_SCALE = 0.65;  // below this zoom, labels are hidden on large charts
  var LARGE = 40;          // a chart this big hides its labels when zoomed out

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function format(text, values) {
    return String(text).replace(/%\((\w+)\)s/g, function (all, name) {
      return values[name] !== undefined ? values[name] : all;
    });
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  var pending = 0;  // requests under way (the browser tests wait for none)

  function request(url, options) {
    options = options || {};
    pending += 1;
    var headers = { Accept: "application/json" };
    if (options.body) {
      headers["Content-Type"] = "application/json";
      headers["X-CSRFToken"] = csrfToken();
    }
    return fetch(url, {
      method: options.method || "GET",
      credentials: "same-origin",
      headers: headers,
      body: options.body ? JSON.stringify(options.body) : undefined
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    }).then(function (answer) {
      pending -= 1;
      return answer;
    }, function (error) {
      pending -= 1;
      throw error;
    });
  }

  function firstError(data) {
    if (!data || typeof data !== "object") { return ""; }
    if (data.detail) { return String(data.detail); }
    for (var key in data) {
      if (Object.prototype.hasOwnProperty.call(data, key)) {
        var value = data[key];
        return key + ": " + (Array.isArray(value) ? value.join(" ") : String(value));
      }
    }
    return "";
  }

  // --- The workspace -------------------------------------------------------------------------
  function Workspace(data) {
    var self = this;
    var text = data.text;
    var container = document.getElementById("link-chart");
    var statusBox = document.getElementById("chart-status");
    var details = document.getElementById("chart-details-body");
    var fromBox = document.getElementById("chart-path-from");
    var toBox = document.getElementById("chart-path-to");
    var expandButton = document.getElementById("chart-expand");
    var nodes = new vis.DataSet();
    var edges = new vis.DataSet();
    var info = {};      // entity id -> {id, name, kind, compartment, url}
    var links = {};     // link id -> {id, source, target, kind, strength, compartment, recorded}
    var selected = null;
    var dirty = false;
    var labelsShown = true;
    var hidden = { kind: {}, link: {}, strength: {}, compartment: {} };
    var period = { since: "", until: "" };  // days as YYYY-MM-DD ("": open)
    var onPath = { nodes: {}, edges: {} };

    function say(message, bad) {
      statusBox.textContent = message;
      statusBox.className = "small mb-1" + (bad ? " text-danger" : "");
    }

    function styleOf(kind) {
      return data.kind_style[kind] || { shape: "dot", colour: "#5a6570" };
    }

    // A compartment or date not known yet (an entity just added by an expansion, until
    // describe() has asked for it) does not hide anything.
    function nodeHidden(n) {
      return !!(hidden.kind[n.kind] || (n.compartment && hidden.compartment[n.compartment]));
    }

    function edgeHidden(e) {
      var ends = [info[e.source], info[e.target]];
      if (ends.some(function (n) { return !n || nodeHidden(n); })) { return true; }
      if (hidden.link[e.kind] || hidden.strength[e.strength]) { return true; }
      if (e.compartment && hidden.compartment[e.compartment]) { return true; }
      if (e.recorded && period.since && e.recorded < period.since) { return true; }
      if (e.recorded && period.until && e.recorded > period.until) { return true; }
      return false;
    }

    function nodeItem(n) {
      var style = styleOf(n.kind);
      var path = onPath.nodes[n.id];
      return {
        id: n.id,
        label: n.name,
        title: n.name + " (" + (data.entity_kinds[n.kind] || n.kind) + ")",
        shape: style.shape,
        size: 14,
        color: {
          background: style.colour,
          border: path ? PATH_COLOUR : style.colour,
          highlight: { background: style.colour, border: "#111111" }
        },
        borderWidth: path ? 5 : 1,
        font: { size: 13, color: labelsShown ? "#1b2a41" : "rgba(0,0,0,0)", strokeWidth: 3, strokeColor: "#ffffff" },
        hidden: nodeHidden(n)
      };
    }

    function edgeItem(e) {
      var strength = data.strength_style[e.strength] || { width: 1, dash: "" };
      var path = onPath.edges[e.id];
      var label = data.link_kinds[e.kind] || e.kind;
      return {
        id: e.id,
        from: e.source,
        to: e.target,
        kind: e.kind,
        strength: e.strength,
        arrows: { to: { enabled: true, scaleFactor: 0.5 } },
        title: (info[e.source] ? info[e.source].name : "") + " – " + label + " – " +
          (info[e.target] ? info[e.target].name : "") + " (" + (data.strengths[e.strength] || e.strength) + ")",
        width: path ? strength.width + 2 : strength.width,
        dashes: strength.dash ? strength.dash.split(" ").map(Number) : false,
        color: { color: path ? PATH_COLOUR : EDGE_COLOUR, highlight: "#1b2a41" },
        hidden: edgeHidden(e)
      };
    }

    function remember(n) {
      var known = info[n.id] || {};
      info[n.id] = {
        id: n.id, name: n.name, kind: n.kind,
        compartment: n.compartment || known.compartment,
        url: data.urls.entity.replace("{id}", n.id)
      };
    }

    function rememberLink(e) {
      var known = links[e.id] || {};
      links[e.id] = {
        id: e.id, source: e.source, target: e.target, kind: e.kind, strength: e.strength,
        compartment: e.compartment || known.compartment, recorded: e.recorded || known.recorded
      };
      return links[e.id];
    }

    // A free spot to the right of what is drawn (for entities placed by a search).
    function beside(count) {
      var ids = nodes.getIds();
      if (!ids.length) { return { x: 0, y: 0 }; }
      var spots = network.getPositions(ids);
      var xs = ids.map(function (k) { return spots[k].x; });
      var ys = ids.map(function (k) { return spots[k].y; });
      var ring = count > 1 ? 160 + 6 * count : 0;
      return {
        x: Math.max.apply(null, xs) + 180 + ring,
        y: (Math.min.apply(null, ys) + Math.max.apply(null, ys)) / 2
      };
    }

    // Add nodes (placed around ``around``, an entity id or a point, when they have no
    // position) and edges; returns how many entities were new.
    function add(newNodes, newEdges, around) {
      var fresh = newNodes.filter(function (n) { return !nodes.get(n.id); });
      var centre = { x: 0, y: 0 };
      if (around !== undefined && typeof around === "object") { centre = around; }
      else if (around !== undefined && nodes.get(around)) { centre = network.getPositions([around])[around]; }
      var ring = 160 + 6 * fresh.length;
      fresh.forEach(function (n, k) {
        remember(n);
        var item = nodeItem(n);
        if (n.x !== undefined && n.x !== null && n.y !== undefined && n.y !== null) {
          item.x = n.x; item.y = n.y;
        } else if (fresh.length === 1 && around === undefined) {
          item.x = centre.x; item.y = centre.y;
        } else {
          var angle = (2 * Math.PI * k) / Math.max(fresh.length, 1);
          item.x = centre.x + ring * Math.cos(angle);
          item.y = centre.y + ring * Math.sin(angle);
        }
        nodes.add(item);
      });
      newNodes.forEach(function (n) {
        if (!info[n.id] || (n.compartment && !info[n.id].compartment)) {
          remember(n);
          if (nodes.get(n.id)) { nodes.update(nodeItem(info[n.id])); }
        }
      });
      newEdges.forEach(function (e) {
        if (!nodes.get(e.source) || !nodes.get(e.target)) { return; }
        var link = rememberLink(e);
        if (edges.get(e.id)) { edges.update(edgeItem(link)); } else { edges.add(edgeItem(link)); }
      });
      if (fresh.length) { dirty = true; }
      refreshPathChoices();
      applyLabels();
      return fresh.length;
    }

    function refreshPathChoices() {
      var list = nodes.get().map(function (n) { return info[n.id]; }).filter(Boolean);
      list.sort(function (a, b) { return a.name.localeCompare(b.name); });
      [fromBox, toBox].forEach(function (box) {
        var keep = box.value;
        box.textContent = "";
        box.appendChild(el("option", "", "—")).value = "";
        list.forEach(function (n) {
          var option = el("option", "", n.name);
          option.value = String(n.id);
          box.appendChild(option);
        });
        box.value = keep;
      });
    }

    // Large charts hide labels when zoomed out (they would overlap); hover still names.
    function applyLabels() {
      var scale = network.getScale();
      var show = nodes.length <= LARGE || scale >= LABEL_SCALE;
      if (show === labelsShown) { return; }
      labelsShown = show;
      nodes.update(nodes.getIds().map(function (id) { return { id: id, font: { color: show ? "#1b2a41" : "rgba(0,0,0,0)" } }; }));
      if (!show) { say(text.labels_hidden); }
    }

    function showDetails(id) {
      selected = id;
      expandButton.disabled = id === null || id === undefined;
      details.textContent = "";
      if (id === null || id === undefined || !info[id]) {
        details.className = "text-muted";
        details.textContent = text.choose_one;
        return;
      }
      var n = info[id];
      details.className = "";
      details.appendChild(el("p", "fw-semibold mb-1", n.name));
      details.appendChild(el("p", "mb-1", text.kind + ": " + (data.entity_kinds[n.kind] || n.kind)));
      var around = edges.get({ filter: function (e) { return (e.from === id || e.to === id) && !e.hidden; } });
      details.appendChild(el("p", "mb-1", text.links + ": " + around.length));
      if (around.length) {
        var list = el("ul", "mb-2 ps-3");
        around.slice(0, 12).forEach(function (e) {
          var other = info[e.from === id ? e.to : e.from];
          list.appendChild(el("li", "", (data.link_kinds[e.kind] || e.kind) + " — " + (other ? other.name : "") + " (" + (data.strengths[e.strength] || e.strength) + ")"));
        });
        details.appendChild(list);
      }
      var link = el("a", "", text.open_page);
      link.href = n.url;
      details.appendChild(link);
    }

    // The compartments of entities and the dates of links that came from the graph API (which
    // does not give them), asked of the chart's entities route: the filters then apply to them.
    function describe() {
      var wanted = {};
      Object.keys(info).forEach(function (k) { if (nodes.get(Number(k)) && !info[k].compartment) { wanted[k] = true; } });
      Object.keys(links).forEach(function (k) {
        var e = links[k];
        if (edges.get(e.id) && !e.recorded) { wanted[e.source] = true; wanted[e.target] = true; }
      });
      var ids = Object.keys(wanted);
      if (!ids.length) { return Promise.resolve(); }
      var url = data.urls.entities + "?ids=" + ids.join(",") + "&with=" + nodes.getIds().join(",");
      return request(url).then(function (answer) {
        if (!answer.ok) { return; }
        add(answer.data.nodes, answer.data.edges);
        restyle();
      });
    }

    function expand(id) {
      if (id === null || id === undefined) { say(text.choose_one, true); return; }
      request(data.urls.neighbours + "?entity=" + encodeURIComponent(id) + "&depth=1").then(function (answer) {
        if (!answer.ok) {
          say(answer.status === 404 ? text.not_found : format(text.failed, { status: answer.status }), true);
          return;
        }
        var count = add(answer.data.nodes, answer.data.edges, id);
        say(count ? format(text.added, { n: count }) : text.nothing_new);
        if (answer.data.truncated) { say(text.truncated, true); }
        showDetails(id);
        describe();
      });
    }

    function clearPath() {
      var had = Object.keys(onPath.nodes).length || Object.keys(onPath.edges).length;
      onPath = { nodes: {}, edges: {} };
      if (had) { restyle(); }
    }

    function restyle() {
      nodes.update(nodes.getIds().map(function (id) { return nodeItem(info[id]); }));
      edges.update(edges.getIds().map(function (id) { return edgeItem(links[id]); }));
    }

    function findPath() {
      var from = fromBox.value, to = toBox.value;
      if (!from || !to || from === to) { say(text.choose_two, true); return; }
      request(data.urls.path + "?from=" + encodeURIComponent(from) + "&to=" + encodeURIComponent(to)).then(function (answer) {
        if (!answer.ok) { say(format(text.failed, { status: answer.status }), true); return; }
        clearPath();
        if (answer.data.length === null) { say(text.no_path, true); return; }
        add(answer.data.nodes, answer.data.edges, Number(from));
        answer.data.nodes.forEach(function (n) { onPath.nodes[n.id] = true; });
        answer.data.edges.forEach(function (e) { onPath.edges[e.id] = true; });
        network.unselectAll();
        restyle();
        say(format(text.path_found, { n: answer.data.length }));
        describe();
      });
    }

    function save() {
      var positions = network.getPositions();
      var list = nodes.getIds().map(function (id) {
        return { id: id, x: Math.round(positions[id].x * 100) / 100, y: Math.round(positions[id].y * 100) / 100 };
      });
      return request(data.urls.chart, { method: "PATCH", body: { nodes: list } }).then(function (answer) {
        if (answer.ok) { dirty = false; say(text.saved); } else { say(format(text.not_saved, { reason: firstError(answer.data) || answer.status }), true); }
        return answer.ok;
      });
    }

    function exportPng() {
      var canvas = container.querySelector("canvas");
      if (!canvas) { return; }
      network.redraw();
      var link = el("a");
      link.href = canvas.toDataURL("image/png");
      link.download = "chart-" + data.chart + ".png";
      document.body.appendChild(link);
      link.click();
      link.remove();
    }

    function layout() {
      self.settled = false;
      network.setOptions({ physics: { enabled: true } });
      network.stabilize(300);
    }

    // The drawing area: as tall as the window allows (set through the CSSOM, allowed by the CSP).
    var tall = Math.max(360, Math.min(720, window.innerHeight - 260));
    var network = new vis.Network(container, { nodes: nodes, edges: edges }, {
      autoResize: true,
      height: tall + "px",
      width: "100%",
      nodes: { shape: "dot", size: 14 },
      edges: { smooth: false, selectionWidth: 1.5 },
      physics: {
        enabled: false,
        solver: "barnesHut",
        barnesHut: { gravitationalConstant: -6000, springLength: 160, avoidOverlap: 0.6 },
        stabilization: { iterations: 300, fit: true }
      },
      interaction: { hover: true, multiselect: true, tooltipDelay: 150, keyboard: { enabled: true, bindToWindow: false } }
    });
    self.network = network;
    self.settled = true;
    // Select an entity as a click does (for keyboard users' tools and the browser tests).
    self.select = function (id) { network.selectNodes([id]); showDetails(id); };
    self.idle = function () { return pending === 0; };

    // The saved chart: with positions as saved; without any, laid out once.
    var unplaced = data.nodes.some(function (n) { return n.x === null || n.x === undefined; });
    add(data.nodes, data.edges);
    dirty = false;
    if (unplaced && data.nodes.length > 1) { layout(); } else { network.fit(); }

    network.on("stabilized", function () {
      network.setOptions({ physics: { enabled: false } });
      self.settled = true;
      dirty = true;
      applyLabels();
    });
    network.on("zoom", applyLabels);
    var resizing = null;
    window.addEventListener("resize", function () {
      // A phone turned, a window narrowed: show the whole chart again.
      window.clearTimeout(resizing);
      resizing = window.setTimeout(function () { network.fit(); applyLabels(); }, 200);
    });
    network.on("dragEnd", function (params) { if (params.nodes && params.nodes.length) { dirty = true; } });
    network.on("beforeDrawing", function (ctx) {
      // A white background, so the exported PNG is not transparent.
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
      ctx.restore();
    });
    network.on("select", function (params) {
      var chosen = params.nodes || [];
      showDetails(chosen.length ? chosen[chosen.length - 1] : null);
      if (chosen.length >= 2) {
        fromBox.value = String(chosen[chosen.length - 2]);
        toBox.value = String(chosen[chosen.length - 1]);
      } else if (chosen.length === 1) {
        if (!fromBox.value || fromBox.value === toBox.value) { fromBox.value = String(chosen[0]); }
        else if (fromBox.value !== String(chosen[0])) { toBox.value = String(chosen[0]); }
      }
    });
    network.on("doubleClick", function (params) { if (params.nodes && params.nodes.length) { expand(params.nodes[0]); } });

    expandButton.addEventListener("click", function () { expand(selected); });
    document.getElementById("chart-path").addEventListener("click", findPath);
    document.getElementById("chart-layout").addEventListener("click", layout);
    document.getElementById("chart-fit").addEventListener("click", function () { network.fit(); applyLabels(); });
    document.getElementById("chart-png").addEventListener("click", exportPng);
    var saveButton = document.getElementById("chart-save");
    if (saveButton) { saveButton.addEventListener("click", save); }
    // The server's exports (SVG, CSV, GraphML) carry the filters in their query string.
    var exportLinks = Array.prototype.slice.call(document.querySelectorAll("a.chart-export"));
    exportLinks.forEach(function (link) {
      link.setAttribute("data-base", link.getAttribute("href"));
      link.addEventListener("click", function (event) {
        // Built by the server from the saved chart: save first when changed.
        if (!dirty || !data.can_change) { return; }
        event.preventDefault();
        save().then(function (ok) { if (ok) { window.location.href = link.href; } });
      });
    });
    var FILTER_PARAMS = { kind: "entity_kind", link: "link_kind", strength: "strength", compartment: "compartment" };
    var filterBoxes = Array.prototype.slice.call(document.querySelectorAll("#chart-filters input[data-filter]"));

    function filterQuery() {
      var parts = [];
      Object.keys(FILTER_PARAMS).forEach(function (group) {
        var boxes = filterBoxes.filter(function (box) { return box.getAttribute("data-filter") === group; });
        if (boxes.every(function (box) { return box.checked; })) { return; }
        var shown = boxes.filter(function (box) { return box.checked; }).map(function (box) { return box.value; });
        parts.push(FILTER_PARAMS[group] + "=" + encodeURIComponent(shown.join(",")));
      });
      if (period.since) { parts.push("since=" + period.since); }
      if (period.until) { parts.push("until=" + period.until); }
      return parts.join("&");
    }

    function applyFilters() {
      restyle();
      if (selected !== null && selected !== undefined) { showDetails(selected); }
      var query = filterQuery();
      exportLinks.forEach(function (link) {
        var base = link.getAttribute("data-base");
        link.setAttribute("href", query ? base + "?" + query : base);
      });
    }

    filterBoxes.forEach(function (box) {
      box.addEventListener("change", function () {
        hidden[box.getAttribute("data-filter")][box.value] = !box.checked;
        applyFilters();
      });
    });
    // A day typed in the language's shape (data.date_shape, e.g. %d/%m/%Y or %d.%m.%Y) or as
    // ISO 8601, as YYYY-MM-DD; "" for an empty box, null for anything else.
    function isoDay(typed) {
      typed = typed.trim();
      if (!typed) { return ""; }
      var iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(typed);
      var parts = iso ? { Y: iso[1], m: iso[2], d: iso[3] } : null;
      if (!parts) {
        var order = [];
        var pattern = "^" + data.date_shape.replace(/[.*+?^${}()|[\]\\\/]/g, "\\$&").replace(/%([dmY])/g, function (all, code) {
          order.push(code);
          return code === "Y" ? "(\\d{4})" : "(\\d{1,2})";
        }) + "$";
        var found = new RegExp(pattern).exec(typed);
        if (!found) { return null; }
        parts = {};
        order.forEach(function (code, i) { parts[code] = found[i + 1]; });
      }
      var day = new Date(Date.UTC(+parts.Y, +parts.m - 1, +parts.d));
      if (day.getUTCMonth() !== +parts.m - 1 || day.getUTCDate() !== +parts.d) { return null; }
      return day.toISOString().slice(0, 10);
    }

    var dateBoxes = Array.prototype.slice.call(document.querySelectorAll("#chart-filters input[data-date]"));
    dateBoxes.forEach(function (box) {
      box.addEventListener("change", function () {
        var since = isoDay(document.getElementById("filter-since").value);
        var until = isoDay(document.getElementById("filter-until").value);
        if (since === null || until === null) {
          var hint = box.getAttribute("placeholder");
          say(format(text.bad_date, { shape: hint, iso: "YYYY-MM-DD" }), true);
          box.setAttribute("aria-invalid", "true");
          return;
        }
        if (since && until && until < since) {
          say(text.bad_dates, true);
          box.setAttribute("aria-invalid", "true");
          return;
        }
        dateBoxes.forEach(function (other) { other.removeAttribute("aria-invalid"); });
        period.since = since;
        period.until = until;
        applyFilters();
      });
    });

    // Entities found by the chart's entities route (a search, the operation's, by id), placed
    // beside the chart; returns how many were new.
    function placeFound(found) {
      var was = nodes.length;
      var count = add(found.nodes, found.edges, beside(found.nodes.length));
      if (count && !was && found.nodes.length > 1) { layout(); } else if (count) { network.fit({ animation: false }); }
      return count;
    }

    function present() { return "&with=" + nodes.getIds().join(","); }

    var search = document.getElementById("chart-search");
    if (search) {
      search.addEventListener("submit", function (event) {
        event.preventDefault();
        var q = search.querySelector("input[name=q]").value.trim();
        if (q.length < 2) { say(text.type_more, true); return; }
        request(data.urls.entities + "?q=" + encodeURIComponent(q) + present()).then(function (answer) {
          if (!answer.ok) { say(firstError(answer.data) || format(text.failed, { status: answer.status }), true); return; }
          if (!answer.data.nodes.length) { say(text.found_none, true); return; }
          var count = placeFound(answer.data);
          say(format(text.found, { found: answer.data.nodes.length, n: count }));
        });
      });
    }
    var gathered = document.getElementById("chart-operation");
    if (gathered) {
      gathered.addEventListener("click", function () {
        request(data.urls.entities + "?gathered=true" + present()).then(function (answer) {
          if (!answer.ok) { say(format(text.failed, { status: answer.status }), true); return; }
          if (!answer.data.nodes.length) { say(text.operation_none, true); return; }
          var count = placeFound(answer.data);
          say(answer.data.truncated ? format(text.operation_truncated, { n: answer.data.nodes.length }) : format(text.operation_added, { n: count }), answer.data.truncated);
        });
      });
    }

    var start = document.getElementById("chart-start");
    if (start) {
      start.addEventListener("submit", function (event) {
        event.preventDefault();
        var valueBox = start.querySelector("[data-picker-value]") || start.querySelector("input[name=entity]");
        var value = (valueBox && valueBox.value || "").trim();
        if (!/^\d+$/.test(value)) { say(text.not_found, true); return; }
        var id = Number(value);
        if (nodes.get(id)) { network.selectNodes([id]); showDetails(id); network.focus(id, { animation: true }); return; }
        request(data.urls.entities + "?ids=" + id + present()).then(function (answer) {
          if (!answer.ok) { say(format(text.failed, { status: answer.status }), true); return; }
          if (!answer.data.nodes.length) { say(text.not_found, true); return; }
          var count = add(answer.data.nodes, answer.data.edges);
          if (count) {
            var ids = nodes.getIds();
            if (ids.length > 1) {
              // Beside the chart, not on top of another entity.
              var spot = network.getPositions(ids);
              var others = ids.filter(function (k) { return k !== id; });
              var right = Math.max.apply(null, others.map(function (k) { return spot[k].x; }));
              network.moveNode(id, right + 180, spot[others[0]].y);
            }
            network.selectNodes([id]);
            showDetails(id);
            network.fit({ animation: false });
            say(format(text.added, { n: count }));
          }
        });
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    restoreHead();
    var source = document.getElementById("link-chart-data");
    if (!source || !window.vis) { return; }
    window.linkChart = new Workspace(JSON.parse(source.textContent));
  });
})();
