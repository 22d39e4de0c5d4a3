// Analysis jobs: the area-drawing map on the job form, the result map (Leaflet) and the
// network chart (vis-network). Data arrives through json_script elements; no inline script.
// Map tiles load only when the page names a tile server; otherwise layers sit on a plain
// background, which works on an air-gapped network.
(function () {
  "use strict";

  function readJSON(id) {
    var element = document.getElementById(id);
    if (!element) { return null; }
    try { return JSON.parse(element.textContent); } catch (e) { return null; }
  }

  function baseMap(element) {
    var map = L.map(element, { preferCanvas: true, zoomSnap: 0.25 });
    var url = element.getAttribute("data-tile-url");
    if (url) {
      L.tileLayer(url, { attribution: element.getAttribute("data-tile-attribution") || "", maxZoom: 19 }).addTo(map);
    } else {
      element.classList.add("bg-light");
    }
    return map;
  }

  // A popup built from text nodes, so nothing in the data is ever read as HTML.
  function popupFor(properties) {
    var list = document.createElement("dl");
    list.className = "small mb-0";
    Object.keys(properties).forEach(function (key) {
      var term = document.createElement("dt");
      term.textContent = key.replace(/_/g, " ");
      var value = document.createElement("dd");
      value.className = "mb-1";
      value.textContent = properties[key] === null ? "—" : String(properties[key]);
      list.appendChild(term);
      list.appendChild(value);
    });
    return list;
  }

  var HOT = { 3: "#8b0000", 2: "#d7301f", 1: "#fc8d59", 0: "#bdbdbd", "-1": "#91bfdb", "-2": "#4575b4", "-3": "#313695" };

  function resultMap() {
    var element = document.getElementById("job-map");
    var data = readJSON("job-geojson");
    if (!element || !data || !window.L) { return; }
    var map = baseMap(element);
    var kind = element.getAttribute("data-kind");
    var layer;
    if (kind === "hotspot") {
      var peak = 1;
      data.features.forEach(function (f) { peak = Math.max(peak, f.properties.count || 0); });
      layer = L.geoJSON(data, {
        style: function (feature) {
          var p = feature.properties;
          return {
            color: HOT[String(p["class"])] || "#bdbdbd",
            weight: p["class"] ? 1 : 0.5,
            fillColor: HOT[String(p["class"])] || "#bdbdbd",
            fillOpacity: p["class"] ? 0.65 : 0.15 + 0.45 * (p.count / peak)
          };
        },
        onEachFeature: function (feature, target) { target.bindPopup(popupFor(feature.properties)); }
      });
    } else {
      layer = L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          var flagged = feature.properties.near_repeat;
          return L.circleMarker(latlng, {
            radius: flagged ? 5 : 3,
            color: flagged ? "#b35c00" : "#1f5f8b",
            fillColor: flagged ? "#f0a04b" : "#6baed6",
            fillOpacity: 0.8,
            weight: 1
          });
        },
        onEachFeature: function (feature, target) { target.bindPopup(popupFor(feature.properties)); }
      });
    }
    layer.addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [12, 12] }); } else { map.setView([0, 0], 2); }
  }

  function areaMap() {
    var element = document.getElementById("area-map");
    if (!element || !window.L) { return; }
    var input = document.querySelector("input[name=bbox]");
    var map = baseMap(element);
    var extent = readJSON("area-map-extent");
    var box = null;
    var firstCorner = null;
    var drawing = false;

    function parse(text) {
      var parts = (text || "").split(",").map(function (v) { return parseFloat(v); });
      if (parts.length !== 4 || parts.some(isNaN)) { return null; }
      return L.latLngBounds([parts[1], parts[0]], [parts[3], parts[2]]);
    }
    function show(bounds) {
      if (box) { map.removeLayer(box); box = null; }
      if (bounds) { box = L.rectangle(bounds, { color: "#1f5f8b", weight: 2, fillOpacity: 0.1 }).addTo(map); }
    }
    function write(bounds) {
      var r = function (v) { return Math.round(v * 1e6) / 1e6; };
      input.value = [r(bounds.getWest()), r(bounds.getSouth()), r(bounds.getEast()), r(bounds.getNorth())].join(", ");
      input.dispatchEvent(new Event("change"));
    }

    var typed = input ? parse(input.value) : null;
    if (typed) {
      show(typed);
      map.fitBounds(typed, { padding: [20, 20] });
    } else if (extent) {
      map.fitBounds([[extent[1], extent[0]], [extent[3], extent[2]]], { padding: [10, 10] });
    } else {
      map.setView([54, -2], 5);
    }

    var drawButton = document.querySelector("[data-area-draw]");
    var clearButton = document.querySelector("[data-area-clear]");
    if (drawButton) {
      drawButton.addEventListener("click", function () {
        drawing = true;
        firstCorner = null;
        element.classList.add("border-primary");
        drawButton.setAttribute("aria-pressed", "true");
      });
    }
    if (clearButton) {
      clearButton.addEventListener("click", function () {
        show(null);
        if (input) { input.value = ""; }
      });
    }
    map.on("click", function (event) {
      if (!drawing || !input) { return; }
      if (!firstCorner) {
        firstCorner = event.latlng;
        show(L.latLngBounds(firstCorner, firstCorner));
        return;
      }
      var bounds = L.latLngBounds(firstCorner, event.latlng);
      show(bounds);
      write(bounds);
      drawing = false;
      firstCorner = null;
      element.classList.remove("border-primary");
      if (drawButton) { drawButton.setAttribute("aria-pressed", "false"); }
    });
    map.on("mousemove", function (event) {
      if (drawing && firstCorner) { show(L.latLngBounds(firstCorner, event.latlng)); }
    });
    if (input) {
      input.addEventListener("input", function () {
        var bounds = parse(input.value);
        if (bounds) { show(bounds); }
      });
    }
  }

  var COMMUNITY = ["#1f5f8b", "#d9822b", "#2e8540", "#b83232", "#6f4e9c", "#8c6d31", "#c0458a", "#5a6570", "#1b998b", "#9c9c2e"];

  function networkChart() {
    var element = document.getElementById("job-network-chart");
    var data = readJSON("job-network");
    if (!element || !data || !window.vis) { return; }
    var peak = 0;
    data.nodes.forEach(function (n) { peak = Math.max(peak, n.betweenness || 0); });
    var nodes = new vis.DataSet(data.nodes.map(function (n) {
      var colour = COMMUNITY[(n.community - 1 + COMMUNITY.length) % COMMUNITY.length];
      return {
        id: n.id,
        label: n.label,
        title: n.label + " (" + n.kind + ")\nbetweenness " + n.betweenness + "\ndegree " + n.degree + "\ncommunity " + n.community,
        value: 1 + 20 * ((n.betweenness || 0) / (peak || 1)),
        color: { background: colour, border: n.on_path ? "#000000" : colour },
        borderWidth: n.on_path ? 4 : 1,
        shape: n.kind === "person" ? "dot" : "square"
      };
    }));
    var ids = {};
    data.nodes.forEach(function (n) { ids[n.id] = true; });
    var edges = new vis.DataSet(data.edges.filter(function (e) { return ids[e.from] && ids[e.to]; }).map(function (e, k) {
      return { id: k, from: e.from, to: e.to, value: e.weight, title: "weight " + e.weight + ", links " + e.links + ", shared reports " + e.reports };
    }));
    new vis.Network(element, { nodes: nodes, edges: edges }, {
      nodes: { scaling: { min: 6, max: 30 }, font: { size: 12 } },
      edges: { color: { color: "#9aa5b1", highlight: "#1b2a41" }, scaling: { min: 1, max: 8 }, smooth: false },
      physics: { stabilization: { iterations: 200 }, barnesHut: { gravitationalConstant: -4000 } },
      interaction: { tooltipDelay: 150, keyboard: true, navigationButtons: false }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    resultMap();
    areaMap();
    networkChart();
  });
})();
