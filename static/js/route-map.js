// Leaflet on the route pages, as an enhancement: the SVG map and the forms work without it.
// Loads Leaflet only when the page has a #route-map-live element and, where that element names
// an opener button (data-opener, hidden until this script shows it), only once it is pressed.
// The element may also arrive later, in an htmx swap (a route page whose build just finished).
(function () {
  "use strict";
  let loading = null;

  function load(el, then) {
    if (window.L) return then();
    if (!loading) {
      loading = [];
      const css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = el.dataset.leafletCss;
      document.head.appendChild(css);
      const script = document.createElement("script");
      script.src = el.dataset.leaflet;
      script.onload = function () {
        loading.forEach(function (callback) { callback(); });
      };
      document.head.appendChild(script);
    }
    loading.push(then);
  }

  function pickPoint(map, form) {
    map.on("click", function (event) {
      const point = event.latlng.wrap();
      form.elements.lat.value = point.lat.toFixed(5);
      form.elements.lon.value = point.lng.toFixed(5);
      form.requestSubmit();
    });
  }

  function draw(el) {
    el.classList.add("is-live");
    const map = L.map(el);
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.attribution, maxZoom: 18 }).addTo(map);
    const line = el.dataset.line ? JSON.parse(el.dataset.line) : [];
    if (line.length) {
      const drawn = L.polyline(line, { color: "#0f766e", weight: 4 }).addTo(map);
      map.fitBounds(drawn.getBounds(), { padding: [16, 16] });
    } else {
      map.setView([30, 0], 2);
    }
    if (el.dataset.marker) {
      L.circleMarker(JSON.parse(el.dataset.marker), { radius: 8, color: "#b45309", fillOpacity: 0.9 })
        .addTo(map);
    }
    const form = el.dataset.pick && document.getElementById(el.dataset.pick);
    if (form) pickPoint(map, form);
  }

  function start() {
    const el = document.getElementById("route-map-live");
    if (!el || el.dataset.started) return;
    el.dataset.started = "yes";
    const opener = el.dataset.opener && document.getElementById(el.dataset.opener);
    if (!opener) return load(el, function () { draw(el); });
    opener.hidden = false;
    opener.addEventListener("click", function () {
      opener.hidden = true;
      load(el, function () { draw(el); });
    });
  }

  start();
  document.addEventListener("htmx:load", start);
})();
