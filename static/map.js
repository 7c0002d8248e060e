/* The map of funded projects (templates/transparency/map.html): draws the page's list as
   markers on a Leaflet map. The list stays the page's content; without this script, without
   Leaflet or without tiles nothing is lost. Texts go in as text, never as HTML. */
(function () {
  "use strict";
  var element = document.getElementById("project-map");
  var data = document.getElementById("map-data");
  if (!element || !data || typeof L === "undefined") { return; }
  var markers = JSON.parse(data.textContent);
  if (!markers.length) { return; }
  element.hidden = false;
  var map = L.map(element, { scrollWheelZoom: false });
  L.tileLayer(element.dataset.tileUrl, {
    maxZoom: 19,
    attribution: element.dataset.attribution
  }).addTo(map);

  function popup(marker) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = marker.url;
    link.textContent = marker.title;
    var title = document.createElement("strong");
    title.appendChild(link);
    box.appendChild(title);
    var amount = document.createElement("div");
    amount.textContent = element.dataset.amountLabel + ": " + marker.amount;
    box.appendChild(amount);
    if (marker.place) {
      var place = document.createElement("div");
      place.textContent = marker.place;
      box.appendChild(place);
    }
    box.dir = "auto";
    return box;
  }

  var points = markers.map(function (marker) {
    var point = [parseFloat(marker.lat), parseFloat(marker.lon)];
    L.marker(point, { title: marker.title, alt: marker.title, keyboard: true })
      .bindPopup(popup(marker))
      .addTo(map);
    return point;
  });
  if (points.length === 1) {
    map.setView(points[0], 16);
  } else {
    map.fitBounds(L.latLngBounds(points), { padding: [24, 24], maxZoom: 17 });
  }
}());
