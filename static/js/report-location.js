// The report form's location map: click the place and its latitude and longitude are filled
// in; typing them moves the marker. The boxes stay the form's fields, so the form works the
// same without this script. Opens on the places the person's reports give (or the world).
(function () {
  "use strict";

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var settings = readJSON("report-location-map");
    var lat = document.getElementById("id_latitude");
    var lon = document.getElementById("id_longitude");
    if (!settings || !lat || !lon || !window.L) { return; }

    var holder = document.createElement("div");
    holder.className = "mb-3";
    var help = document.createElement("p");
    help.className = "form-text mb-1";
    help.id = "report-location-help";
    help.textContent = settings.help;
    var frame = document.createElement("div");
    frame.className = "ratio ratio-21x9 border rounded report-location-frame";
    var element = document.createElement("div");
    element.id = "report-location";
    element.setAttribute("role", "region");
    element.setAttribute("aria-label", settings.label);
    element.setAttribute("aria-describedby", "report-location-help");
    frame.appendChild(element);
    holder.appendChild(help);
    holder.appendChild(frame);
    var after = lon.closest(".mb-3");
    after.parentNode.insertBefore(holder, after.nextSibling);

    var map = L.map(element, { scrollWheelZoom: false });
    var extent = settings.extent;
    var bounds = extent
      ? L.latLngBounds([extent[1], extent[0]], [extent[3], extent[2]])
      : L.latLngBounds([-60, -170], [75, 170]);
    if (settings.tiles) {
      L.tileLayer(settings.tiles, { attribution: settings.attribution || "" }).addTo(map);
    } else {
      window.ILPMapGrid.draw(map, bounds);
    }
    // The box may still be taking its size when the map starts: measure it again once laid out.
    map.invalidateSize();
    map.fitBounds(bounds.pad(0.2));
    window.setTimeout(function () { map.invalidateSize(); }, 250);

    var marker = null;
    function place(latitude, longitude, pan) {
      if (marker) { marker.setLatLng([latitude, longitude]); }
      else { marker = L.circleMarker([latitude, longitude], { radius: 8, color: "#1f5f8b", fillOpacity: 0.8 }).addTo(map); }
      if (pan) { map.panTo([latitude, longitude]); }
    }
    function fromBoxes() {
      var a = parseFloat(lat.value), b = parseFloat(lon.value);
      if (isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180) { place(a, b, true); }
    }
    map.on("click", function (event) {
      lat.value = event.latlng.lat.toFixed(5);
      lon.value = event.latlng.lng.toFixed(5);
      place(event.latlng.lat, event.latlng.lng, false);
    });
    lat.addEventListener("change", fromBoxes);
    lon.addEventListener("change", fromBoxes);
    fromBoxes();
  });
})();
