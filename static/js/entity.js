// The entity page's map of known locations: the places that reports naming the entity give.
// Data arrives through json_script elements; no inline script. Without a configured tile
// server a grid of latitude and longitude lines (map-grid.js) is drawn under the points.
(function () {
  "use strict";

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
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
      window.ILPMapGrid.draw(map, bounds);
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
    // The box may still be taking its size when the map starts: measure it again once laid out.
    map.invalidateSize();
    map.fitBounds(bounds.pad(0.3), { maxZoom: 15 });
    window.setTimeout(function () { map.invalidateSize(); }, 250);
  });
})();
