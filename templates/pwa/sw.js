// Mile Quest's service worker, served at /sw.js by milequest/blueprints/pwa.py (root scope).
// Precaches the app shell; pages are network-first with the last copy as the offline fallback;
// nothing but full-page GETs is ever cached; saved walks replay on Background Sync.
"use strict";
const VERSION = {{ version | tojson }};
const SHELL_CACHE = "milequest-shell-" + VERSION;
const PAGES_CACHE = "milequest-pages";  // a walker's pages: emptied on log-in and log-out
const PRECACHE = {{ precache | tojson }};
const OFFLINE_URL = {{ offline_url | tojson }};
const SESSION_URLS = {{ session_urls | tojson }};

importScripts({{ idb_script | tojson }}, {{ queue_script | tojson }});

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL_CACHE).then(function (cache) {
      // The offline page without the session's cookie: nothing personal in the shell cache.
      return cache.addAll(PRECACHE.map(function (url) {
        return new Request(url, { credentials: "omit" });
      }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("milequest-shell-") === 0 && name !== SHELL_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "clear-pages") {
    event.waitUntil(caches.delete(PAGES_CACHE));
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag !== MileQuestQueue.SYNC_TAG) return;
  // A rejected promise asks the browser to try the sync again later (with its own backoff).
  event.waitUntil(MileQuestQueue.replay({ force: true }).then(function (result) {
    return notifyClients().then(function () {
      if (result.retry) throw new Error("saved walks still waiting");
    });
  }));
});

self.addEventListener("fetch", function (event) {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && SESSION_URLS.indexOf(url.pathname) !== -1) {
    event.respondWith(fetch(request).then(function (response) {
      return caches.delete(PAGES_CACHE).then(function () { return response; });
    }));
    return;
  }
  if (request.method !== "GET") return;  // the network's answer, never cached
  if (request.mode === "navigate" && !request.headers.get("HX-Request")) {
    event.respondWith(pageNetworkFirst(request));
  } else if (PRECACHE.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(request, { cacheName: SHELL_CACHE }).then(function (hit) {
      return hit || fetch(request);
    }));
  }
});

function pageNetworkFirst(request) {
  return fetch(request).then(function (response) {
    if (response.ok && response.type === "basic" && isHtml(response) && !response.redirected) {
      const copy = response.clone();
      caches.open(PAGES_CACHE).then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, { cacheName: PAGES_CACHE }).then(function (hit) {
      if (hit) return markedOffline(hit);
      return caches.match(OFFLINE_URL, { cacheName: SHELL_CACHE }).then(function (page) {
        return page || Response.error();
      });
    });
  });
}

function isHtml(response) {
  return (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
}

// A cached page says it is a copy: "Offline, as of <time>", at the top of its flash area.
function markedOffline(response) {
  const asOf = new Date(response.headers.get("Date") || Date.now());
  return response.text().then(function (html) {
    const note = '<p class="flash flash--info offline-note" id="offline-as-of" data-as-of="' +
      asOf.toISOString() + '">Offline, as of ' + asOf.toLocaleString() + "</p>";
    const body = html.replace('<div id="flashes" role="status">', function (flashes) {
      return flashes + note;
    });
    const headers = new Headers(response.headers);
    headers.delete("Content-Length");
    return new Response(body, { status: 200, headers: headers });
  });
}

function notifyClients() {
  return self.clients.matchAll({ type: "window" }).then(function (windows) {
    windows.forEach(function (client) { client.postMessage({ type: "queue-changed" }); });
  });
}
