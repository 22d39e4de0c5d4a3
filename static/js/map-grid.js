// A grid of latitude and longitude lines for maps without a configured tile server, so points
// and areas are never drawn on a blank: window.ILPMapGrid.draw(map, bounds).
(function () {
  "use strict";
  function draw(map, bounds) {
    var south = bounds.getSouth(), north = bounds.getNorth();
    var west = bounds.getWest(), east = bounds.getEast();
    var span = Math.max(north - south, east - west, 0.001);
    var step = span > 20 ? 5 : span > 5 ? 1 : span > 2 ? 0.5 : span > 0.5 ? 0.1 : span > 0.1 ? 0.02 : 0.005;
    south -= span; north += span; west -= span; east += span;
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
