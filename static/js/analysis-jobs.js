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

  // A popup opened near the map's top left is panned clear of the zoom buttons, and is never
  // wider than the map leaves room for (a phone's map is some 360 pixels wide).
  function popupOptions(element) {
    return {
      maxWidth: Math.max(160, Math.min(300, element.clientWidth - 120)),
      autoPanPaddingTopLeft: [52, 12],
      autoPanPaddingBottomRight: [12, 12]
    };
  }

  // A popup of one sentence, then a muted line naming a place ("Cell centre 51.45, -2.59").
  function sentencePopup(text, placeLabel, place) {
    var box = document.createElement("div");
    box.className = "small";
    var sentence = document.createElement("p");
    sentence.className = "mb-1";
    sentence.textContent = text;
    var where = document.createElement("p");
    where.className = "mb-0 text-muted";
    where.textContent = (placeLabel ? placeLabel + " " : "") + place;
    box.appendChild(sentence);
    box.appendChild(where);
    return box;
  }

  // A near-repeat incident's popup: whether it has a near repeat, in the words the page
  // gives (the map element's data attributes), then its position.
  function nearRepeatPopup(element, properties, latlng) {
    return sentencePopup(
      element.getAttribute(properties.near_repeat ? "data-near-label" : "data-alone-label") || "",
      element.getAttribute("data-position-label"),
      latlng.lat.toFixed(5) + ", " + latlng.lng.toFixed(5)
    );
  }

  // A hotspot cell's popup: its figures in a sentence built by the server, then its centre.
  function hotspotPopup(properties) {
    if (!properties.summary) { return popupFor(properties); }
    var key = document.getElementById("hotspot-map-key");
    return sentencePopup(
      properties.summary,
      key ? key.getAttribute("data-centre-label") : "",
      properties.centre_lat + ", " + properties.centre_lon
    );
  }

  // The area analysed, dashed: the drawn polygon when there is one, else the box.
  function areaOutline(map, data) {
    var rings = readJSON("job-area-polygon");
    var style = { color: "#1b2a41", weight: 2, dashArray: "6 4", fill: false, interactive: false };
    if (rings && rings.length) {
      L.polygon(rings.map(function (ring) {
        return ring.map(function (p) { return [p[1], p[0]]; });
      }), style).addTo(map);
    } else if (data.bbox && data.bbox.length === 4) {
      L.rectangle([[data.bbox[1], data.bbox[0]], [data.bbox[3], data.bbox[2]]], style).addTo(map);
    }
  }

  // Without a tile server: lines of latitude and longitude, labelled, redrawn as the view
  // changes, so the map is never a blank grid.
  var STEPS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 45];

  function graticule(map) {
    var group = L.layerGroup().addTo(map);
    function label(text, latlng, anchor) {
      var icon = L.divIcon({ className: "small text-secondary text-nowrap", html: "", iconSize: null, iconAnchor: anchor });
      var marker = L.marker(latlng, { icon: icon, interactive: false, keyboard: false });
      marker.on("add", function () {
        var el = marker.getElement();
        if (el) { el.textContent = text; }
      });
      return marker;
    }
    function draw() {
      group.clearLayers();
      var b = map.getBounds();
      var span = Math.max(b.getNorth() - b.getSouth(), b.getEast() - b.getWest());
      var step = STEPS[STEPS.length - 1];
      for (var k = 0; k < STEPS.length; k++) { if (span / STEPS[k] <= 8) { step = STEPS[k]; break; } }
      var digits = Math.max(0, Math.ceil(-Math.log10(step)));
      var line = { color: "#8a94a0", weight: 1, opacity: 0.6, interactive: false };
      // Labels keep clear of the zoom buttons in the upper left corner.
      var clear = 52;
      for (var lat = Math.ceil(b.getSouth() / step) * step; lat <= b.getNorth(); lat += step) {
        group.addLayer(L.polyline([[lat, b.getWest()], [lat, b.getEast()]], line));
        var y = map.latLngToContainerPoint([lat, b.getWest()]).y;
        if (y > 90) {
          group.addLayer(label(lat.toFixed(digits) + "\u00b0", map.containerPointToLatLng([clear, y]), [0, 14]));
        }
      }
      for (var lon = Math.ceil(b.getWest() / step) * step; lon <= b.getEast(); lon += step) {
        group.addLayer(L.polyline([[b.getSouth(), lon], [b.getNorth(), lon]], line));
        if (map.latLngToContainerPoint([b.getNorth(), lon]).x > clear) {
          group.addLayer(label(lon.toFixed(digits) + "\u00b0", [b.getNorth(), lon], [-4, -4]));
        }
      }
    }
    map.on("moveend", draw);
    draw();
  }

  var HOT = { 3: "#8b0000", 2: "#d7301f", 1: "#fc8d59", 0: "#bdbdbd", "-1": "#91bfdb", "-2": "#4575b4", "-3": "#313695" };

  function resultMap() {
    var element = document.getElementById("job-map");
    var data = readJSON("job-geojson");
    if (!element || !data || !window.L) { return; }
    var map = baseMap(element);
    var kind = element.getAttribute("data-kind");
    var options = popupOptions(element);  // once for the map, not once per feature
    var layer;
    if (kind === "hotspot") {
      var peak = 1;
      data.features.forEach(function (f) { peak = Math.max(peak, f.properties.count || 0); });
      layer = L.geoJSON(data, {
        style: function (feature) {
          var p = feature.properties;
          // A cell significant only with the incidents found by police activity: a thick
          // black dashed outline (the map key shows it).
          var loop = p.significant_only_with_police_found;
          return {
            color: loop ? "#000000" : (HOT[String(p["class"])] || "#bdbdbd"),
            weight: loop ? 3 : (p["class"] ? 1 : 0.5),
            dashArray: loop ? "5 3" : null,
            fillColor: HOT[String(p["class"])] || "#bdbdbd",
            fillOpacity: p["class"] ? 0.65 : 0.15 + 0.45 * (p.count / peak)
          };
        },
        onEachFeature: function (feature, target) {
          target.bindPopup(function () { return hotspotPopup(feature.properties); }, options);
        }
      });
      areaOutline(map, data);
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
        // Each popup is made when it is opened, not for every one of thousands of markers.
        onEachFeature: function (feature, target) {
          target.bindPopup(function () {
            return kind === "near_repeat" && element.getAttribute("data-near-label")
              ? nearRepeatPopup(element, feature.properties, target.getLatLng())
              : popupFor(feature.properties);
          }, options);
        }
      });
    }
    layer.addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [12, 12] }); } else { map.setView([0, 0], 2); }
    L.control.scale({ imperial: false, maxWidth: 160 }).addTo(map);
    if (!element.getAttribute("data-tile-url")) { graticule(map); }
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
    if (!element.getAttribute("data-tile-url")) { graticule(map); }

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
        title: n.label + " (" + n.kind + ")\n" + interpolate(gettext("betweenness %(value)s"), { value: n.betweenness }, true) +
          "\n" + interpolate(gettext("degree %(value)s"), { value: n.degree }, true) +
          "\n" + interpolate(gettext("community %(value)s"), { value: n.community }, true),
        value: 1 + 20 * ((n.betweenness || 0) / (peak || 1)),
        color: { background: colour, border: n.on_path ? "#000000" : colour },
        borderWidth: n.on_path ? 4 : 1,
        shape: n.kind === "person" ? "dot" : "square"
      };
    }));
    var ids = {};
    data.nodes.forEach(function (n) { ids[n.id] = true; });
    var edges = new vis.DataSet(data.edges.filter(function (e) { return ids[e.from] && ids[e.to]; }).map(function (e, k) {
      return { id: k, from: e.from, to: e.to, value: e.weight, title: interpolate(gettext("weight %(weight)s, links %(links)s, shared reports %(reports)s"), { weight: e.weight, links: e.links, reports: e.reports }, true) };
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
