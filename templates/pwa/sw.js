// Mile Quest's service worker, served at /sw.js by milequest/blueprints/pwa.py (root scope).
// Precaches the app shell; pages are network-first with the last copy as the offline fallback;
// nothing but full-page GETs is ever cached; saved walks replay on Background Sync; a push shows
// a notification that opens its page. For a logged-in walker it also keeps the pages logging a
// walk needs (the log forms for each of their teams, the dashboard, the queue, their own
// offline page), asked for by static/js/offline.js.
"use strict";
const VERSION = {{ version | tojson }};
const SHELL_CACHE = "milequest-shell-" + VERSION;
const PAGES_CACHE = "milequest-pages";  // a walker's pages: emptied on log-in and log-out
const PRECACHE = {{ precache | tojson }};
const OFFLINE_URL = {{ offline_url | tojson }};
const PAGES_URL = {{ pages_url | tojson }};
const PRECACHE_HEADER = {{ precache_header | tojson }};
const SESSION_URLS = {{ session_urls | tojson }};
// Whose pages PAGES_CACHE holds and when they were fetched, kept in that cache under this key.
const KEPT_FOR = PAGES_URL + "#kept-for";
const REFRESH_KEPT_PAGES_MS = 30 * 60 * 1000;
let keeping = Promise.resolve();
let emptiedPages = 0;  // counts the times PAGES_CACHE was emptied: a slow fetch must not refill it

importScripts({{ idb_script | tojson }}, {{ queue_script | tojson }});
MileQuestQueue.tokenUrl = {{ token_url | tojson }};
MileQuestQueue.syncedUrl = {{ synced_url | tojson }};

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
    event.waitUntil(emptyPages());
  } else if (event.data && event.data.type === "keep-walker-pages") {
    // One at a time: pages loading together must not empty the cache under each other.
    keeping = keeping.then(function () { return keepWalkerPages(event.data.walker); });
    event.waitUntil(keeping);
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag !== MileQuestQueue.SYNC_TAG) return;
  // A rejected promise asks the browser to try the sync again later (with its own backoff).
  event.waitUntil(MileQuestQueue.replay({ force: true }).then(function (result) {
    return notifyClients(result).then(function () {
      if (result.retry) throw new Error("saved walks still waiting");
    });
  }));
});

// A push from Mile Quest (services/notifications/push_delivery.py): {title, body, url, tag,
// icon}. The tag is the notification's: a message pushed twice replaces, never doubles, it.
self.addEventListener("push", function (event) {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) { /* not JSON: show the plain heading below */ }
  event.waitUntil(self.registration.showNotification(message.title || "Mile Quest", {
    body: message.body || "",
    icon: message.icon,
    tag: message.tag,
    data: { url: message.url || "/" }
  }));
});

// Opens the notification's page (the team page for a team's news) in a window of ours that is
// already open, else in a new one. Only this site's pages: a push carries a path of ours.
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  const data = event.notification.data || {};
  const target = new URL(data.url || "/", self.location.origin);
  const url = target.origin === self.location.origin ? target.href : self.location.origin + "/";
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (windows) {
    if (!windows.length) return self.clients.openWindow(url);
    return Promise.all([
      windows[0].focus().catch(function () { /* focus refused: the page opens all the same */ }),
      windows[0].navigate(url)
    ]).catch(function () { return self.clients.openWindow(url); });
  }));
});

self.addEventListener("fetch", function (event) {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && SESSION_URLS.indexOf(url.pathname) !== -1) {
    emptiedPages += 1;  // from now: the answer may end the session whose pages are in flight
    event.respondWith(fetch(request).then(function (response) {
      return emptyPages().then(function () { return response; });
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
  const generation = emptiedPages;
  return fetch(request).then(function (response) {
    if (response.type === "basic") keepPage(request, response.clone(), generation);
    return response;
  }).catch(function () {
    // This page as last seen, else the walker's own offline page (a form to log with), else
    // the shell's, which knows no walker.
    return caches.match(request, { cacheName: PAGES_CACHE }).then(function (hit) {
      return hit || caches.match(OFFLINE_URL, { cacheName: PAGES_CACHE });
    }).then(function (hit) {
      if (hit) return markedOffline(hit);
      return caches.match(OFFLINE_URL, { cacheName: SHELL_CACHE }).then(function (page) {
        return page || Response.error();
      });
    });
  });
}

function emptyPages() {
  emptiedPages += 1;
  return caches.delete(PAGES_CACHE);
}

// Fetches the pages the walker needs offline unless this cache holds them, fresh, for the same
// walker. A page of another session (another walker, or none: it ended elsewhere or expired)
// drops the pages kept for the previous one.
function keepWalkerPages(walker) {
  return caches.match(KEPT_FOR, { cacheName: PAGES_CACHE }).then(function (hit) {
    return hit ? hit.json() : null;
  }).then(function (kept) {
    const fresh = kept && kept.walker === walker && Date.now() - kept.at < REFRESH_KEPT_PAGES_MS;
    if (fresh) return null;
    const emptied = kept && kept.walker !== walker ? emptyPages() : Promise.resolve();
    if (!walker) return emptied;
    return emptied.then(function () { return fetchWalkerPages(walker, emptiedPages); });
  }).catch(function () { /* offline or the server is down: the next page load asks again */ });
}

function fetchWalkerPages(walker, generation) {
  return fetch(PAGES_URL, { credentials: "same-origin", cache: "no-store" }).then(function (answer) {
    return answer.ok ? answer.json() : null;
  }).then(function (list) {
    if (!list || list.walker !== walker) return null;  // the session changed meanwhile
    return Promise.all(list.pages.map(function (url) {
      return fetch(url, {
        credentials: "same-origin", cache: "no-store", headers: { [PRECACHE_HEADER]: "1" }
      }).then(function (response) { return keepPage(url, response, generation); });
    })).then(function (kept) {
      if (kept.indexOf(false) !== -1) return null;  // all again on the next page load
      const note = JSON.stringify({ walker: walker, at: Date.now() });
      return caches.open(PAGES_CACHE).then(function (cache) {
        if (generation === emptiedPages) return cache.put(KEPT_FOR, new Response(note));
      });
    });
  });
}

// Resolves true when `response`, a full page of the session that was current at `generation`,
// was stored under `key`.
function keepPage(key, response, generation) {
  if (!response.ok || response.redirected || !isHtml(response)) return Promise.resolve(false);
  return caches.open(PAGES_CACHE).then(function (cache) {
    if (generation !== emptiedPages) return false;
    return cache.put(key, response).then(function () { return true; });
  });
}

function isHtml(response) {
  return (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
}

// A cached page says it is a copy: "Offline, as of <time>", at the top of its flash area.
function markedOffline(response) {
  const served = new Date(response.headers.get("Date") || Date.now());
  const asOf = isNaN(served) ? new Date() : served;  // an unreadable Date must not lose the page
  return response.text().then(function (html) {
    const note = '<p class="flash flash--info offline-note" id="offline-as-of" data-as-of="' +
      asOf.toISOString() + '">Offline, as of ' + asOf.toLocaleString() + "</p>";
    const body = html.replace('<div id="flashes" role="status">', function (flashes) {
      return flashes + note;
    });
    const headers = new Headers(response.headers);
    // The body is now the decoded text: the server's length and encoding no longer describe it.
    headers.delete("Content-Length");
    headers.delete("Content-Encoding");
    return new Response(body, { status: 200, headers: headers });
  });
}

// Open pages update their badge and say what synced (with where each walk went).
function notifyClients(result) {
  return self.clients.matchAll({ type: "window" }).then(function (windows) {
    windows.forEach(function (client) {
      client.postMessage({ type: "queue-changed", result: result });
    });
  });
}
