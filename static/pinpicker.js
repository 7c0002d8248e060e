/* The small map on a staff application page (templates/review/_place.html): a click sets the
   latitude and longitude fields, typed numbers move the marker. The fields alone work without
   this script; nothing is saved until staff send the form. */
(function () {
  "use strict";
  var element = document.getElementById("pin-map");
  var latitude = document.getElementById("pin-latitude");
  var longitude = document.getElementById("pin-longitude");
  if (!element || !latitude || !longitude || typeof L === "undefined") { return; }
  element.hidden = false;
  var hint = document.getElementById("pin-map-hint");
  if (hint) { hint.hidden = false; }
  var data = element.dataset;
  var centred = data.lat !== undefined && data.lon !== undefined;
  // Without any pin in the area yet, the map starts on Germany.
  var start = centred ? [parseFloat(data.lat), parseFloat(data.lon)] : [51.1657, 10.4515];
  var map = L.map(element).setView(start, centred ? 16 : 6);
  L.tileLayer(data.tileUrl, { maxZoom: 19, attribution: data.attribution }).addTo(map);
  var marker = null;

  function place(point) {
    if (marker) { marker.setLatLng(point); } else { marker = L.marker(point).addTo(map); }
  }
  function typed() {
    var lat = parseFloat(latitude.value.replace(",", "."));
    var lon = parseFloat(longitude.value.replace(",", "."));
    return isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? [lat, lon] : null;
  }
  var first = typed();
  if (first) { place(first); }
  map.on("click", function (event) {
    var point = event.latlng.wrap();
    latitude.value = point.lat.toFixed(6);
    longitude.value = point.lng.toFixed(6);
    place([point.lat, point.lng]);
  });
  [latitude, longitude].forEach(function (field) {
    field.addEventListener("change", function () {
      var point = typed();
      if (point) { place(point); map.panTo(point); }
    });
  });
}());
