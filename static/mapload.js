/* Loads a map only when the reader asks for it (templates/macros/map.html). Leaflet weighs more
   than the rest of a page together, and the tiles come from another host that sees the reader's
   address: so the page stays light and private until the button is pressed. The choice is kept
   in this browser (localStorage), so the next map page opens its map at once, until the reader
   takes it back with the button shown next to a loaded map. */
(function () {
  "use strict";
  var KEY = "juryfund.maps";
  var box = document.getElementById("map-load");
  if (!box) { return; }
  var button = box.querySelector("button");
  var data = box.dataset;

  function remembered() {
    try { return window.localStorage.getItem(KEY) === "on"; } catch (error) { return false; }
  }
  function remember() {
    try { window.localStorage.setItem(KEY, "on"); } catch (error) { /* private mode: ask again */ }
  }
  function script(src, then) {
    var element = document.createElement("script");
    element.src = src;
    element.onload = then;
    document.body.appendChild(element);
  }
  function offerToForget() {
    var forget = document.getElementById("map-forget");
    if (!forget) { return; }
    forget.hidden = false;
    var again = forget.querySelector("button");
    var said = forget.querySelector("[role=status]");
    again.addEventListener("click", function () {
      try { window.localStorage.removeItem(KEY); } catch (error) { /* nothing was kept */ }
      again.hidden = true;
      said.textContent = said.dataset.done;
    });
  }
  function load() {
    box.hidden = true;
    offerToForget();
    var style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = data.leafletCss;
    document.head.appendChild(style);
    // The page's own map script needs Leaflet (L) to be there first.
    script(data.leafletJs, function () { script(data.mapScript); });
  }

  if (remembered()) { load(); return; }
  box.hidden = false;
  button.addEventListener("click", function () { remember(); load(); });
}());
