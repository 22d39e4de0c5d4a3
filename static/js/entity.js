// The entity page's map of known locations: the places that reports naming the entity give.
// Data arrives through json_script elements; no inline script. Without a configured tile
// server a grid of latitude and longitude lines is drawn so the points are never on a blank.
(function () {
  "use strict";

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function graticule(map, bounds) {
    var south = Math.floor(bounds.getSouth() * 100) / 100 - 0.05;
    var north = Math.ceil(bounds.getNorth() * 100) / 100 + 0.05;
    var west = Math.floor(bounds.getWest() * 100) / 100 - 0.05;
    var east = Math.ceil(bounds.getEast() * 100) / 100 + 0.05;
    var span = Math.max(north - south, east - west);
    var step = span > 2 ? 0.5 : span > 0.5 ? 0.1 : 0.01;
    var style = { color: "#adb5bd", weight: 1, interactive: false };
    for (var lat = Math.floor(south / step) * step; lat <= north; lat += step) {
      L.polyline([[lat, west], [lat, east]], style).addTo(map);
    }
    for (var lon = Math.floor(west / step) * step; lon <= east; lon += step) {
      L.polyline([[south, lon], [north, lon]], style).addTo(map);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("entity-map");
    var places = readJSON("entity-places");
    if (!element || !places || !places.length || !window.L) { return; }
    var map = L.map(element, { scrollWheelZoom: false });
    var tiles = readJSON("entity-tiles");
    var points = places.map(function (p) { return [p.lat, p.lon]; });
    var bounds = L.latLngBounds(points);
    if (tiles) {
      L.tileLayer(tiles, { attribution: readJSON("entity-tile-attribution") || "" }).addTo(map);
    } else {
      graticule(map, bounds);
    }
    places.forEach(function (p) {
      var popup = document.createElement("div");
      var link = document.createElement("a");
      link.href = p.url;
      link.textContent = p.urn;
      popup.appendChild(link);
      if (p.place) { popup.appendChild(document.createTextNode(": " + p.place)); }
      L.circleMarker([p.lat, p.lon], { radius: 7, color: "#1f5f8b", fillOpacity: 0.8 })
        .bindPopup(popup).addTo(map);
    });
    map.fitBounds(bounds.pad(0.3), { maxZoom: 15 });
  });
})();
