// A grid of latitude and longitude lines for maps without a configured tile server, so points
// and areas are never drawn on a blank: window.ILPMapGrid.draw(map, bounds) draws it over the
// bounds the map opens on and well beyond them, about eight lines across the bounds.
(function () {
  "use strict";
  var STEPS = [10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001];

  function draw(map, bounds) {
    var span = Math.max(bounds.getNorth() - bounds.getSouth(), bounds.getEast() - bounds.getWest(), 0.002);
    var step = STEPS[STEPS.length - 1];
    for (var k = 0; k < STEPS.length; k++) {
      if (span / STEPS[k] >= 5) { step = STEPS[k]; break; }
    }
    var south = Math.max(bounds.getSouth() - 3 * span, -85), north = Math.min(bounds.getNorth() + 3 * span, 85);
    var west = bounds.getWest() - 3 * span, east = bounds.getEast() + 3 * span;
    var style = { color: "#adb5bd", weight: 1, interactive: false };
    for (var lat = Math.floor(south / step) * step; lat <= north; lat += step) {
      L.polyline([[lat, west], [lat, east]], style).addTo(map);
    }
    for (var lon = Math.floor(west / step) * step; lon <= east; lon += step) {
      L.polyline([[south, lon], [north, lon]], style).addTo(map);
    }
  }
  window.ILPMapGrid = { draw: draw };
})();
