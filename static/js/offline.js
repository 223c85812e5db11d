// Offline-first enhancement of every page: registers the service worker (and, for a logged-in
// walker, asks it to keep the pages logging a walk needs), saves a walk logged without a
// connection to the queue (static/js/offline-queue.js), replays the queue on load and when the
// connection returns, keeps the header's badge counting what waits, and lists the saved walks
// on the queue page. What happened to a walk is said next to the form it was logged with.
// Without JavaScript the forms simply post.
(function () {
  "use strict";
  const config = document.currentScript.dataset;
  if (typeof MileQuestQueue === "undefined" || !window.indexedDB) return;
  const queue = MileQuestQueue;
  const walker = config.walker || "";
  let retryTimer = null;
  const syncedNews = new Map();  // client id -> where that walk went, since the last save
  queue.tokenUrl = config.token;

  const cachedCopy = Boolean(document.getElementById("offline-as-of"));

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(config.sw).catch(function () { /* plain pages still work */ });
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (!event.data || event.data.type !== "queue-changed") return;
      if (event.data.result) sayReplayed(event.data.result);  // from Background Sync
      refresh();
    });
    // Only a page the server just sent knows whose session this is (walker or nobody).
    if (!cachedCopy && navigator.onLine !== false) keepWalkerPages();
  }

  document.querySelectorAll("form").forEach(function (form) {
    if (isLogForm(form)) addStatusAfter(form);
  });

  // A page shown from the cache carries the client ids it had then, which may have been
  // used since: give its forms new ones, so a walk logged now is never taken for an old one.
  // Its log forms also think today is the day the page was saved: move them to this phone's.
  if (cachedCopy) {
    document.querySelectorAll("input[name=client_id]").forEach(function (input) {
      input.value = newClientId();
    });
    document.querySelectorAll("form").forEach(function (form) {
      if (isLogForm(form)) moveToToday(form.elements.activity_date);
    });
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!isLogForm(form)) return;
    // Before htmx (listening on the form) sends a request that cannot arrive. A cached copy's
    // CSRF token may have expired: its walks go through the queue, which fetches a fresh one.
    if (navigator.onLine === false || cachedCopy) {
      event.preventDefault();
      event.stopImmediatePropagation();
      save(form, new FormData(form, event.submitter)).then(function (saved) {
        if (saved && navigator.onLine !== false) replay(true);
      });
    } else {
      queue.remove(form.elements.client_id.value).then(refresh);  // a fixed walk, re-sent
    }
  }, true);

  // The server answered (stored it, or said why not): the next tap is another walk, even
  // before the page that follows replaces this form. With the old id, a quick pick tapped at
  // once would be taken for this walk sent again, and dropped.
  document.addEventListener("htmx:afterRequest", function (event) {
    const form = event.detail.elt;
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (isLogForm(form) && status > 0 && status < 500) {
      form.elements.client_id.value = newClientId();
    }
  });

  // Online by the browser's account, but the request never got an answer.
  document.addEventListener("htmx:sendError", function (event) {
    const form = event.detail.elt;
    if (!isLogForm(form)) return;
    const config = event.detail.requestConfig;
    save(form, (config && config.formData) || new FormData(form));
  });

  window.addEventListener("online", function () { replay(true); });
  replay(false);

  function isLogForm(form) {
    return form && form.id === "activity-form" &&
      new URL(form.action, location.href).pathname === config.create;
  }

  function save(form, data) {
    const fields = Array.from(data.entries()).filter(function (pair) {
      return typeof pair[1] === "string";
    });
    const value = function (name) { return data.get(name) || ""; };
    const entry = {
      clientId: value("client_id"),
      walker: walker,
      action: form.action,
      fields: fields,
      // A quick pick names its unit ("2 mi"), whatever the unit radio says.
      summary: (value("quick") || value("distance") + " " + value("unit")) + " " +
        value("kind") + " on " + value("activity_date"),
      savedAt: Date.now()
    };
    return queue.add(entry).then(function () {
      syncedNews.clear();
      form.reset();
      form.elements.client_id.value = newClientId();
      sayNextTo(form, "Saved on this phone, will sync when you are back online: " +
        entry.summary + ".");
      askForBackgroundSync();
      refresh();
      return true;
    }, function () {
      sayNextTo(form, "This walk could not be saved on this phone. " +
        "Please try again when you are online.");
      return false;
    });
  }

  function keepWalkerPages() {  // for nobody: forget the pages kept for the last walker
    navigator.serviceWorker.ready.then(function (registration) {
      registration.active.postMessage({ type: "keep-walker-pages", walker: walker });
    }).catch(function () { /* pages visited are still kept, one by one */ });
  }

  function askForBackgroundSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register(queue.SYNC_TAG);
    }).catch(function () { /* the online event and the next page load replay instead */ });
  }

  function replay(force) {
    if (navigator.onLine === false) return refresh();
    clearTimeout(retryTimer);
    return queue.list(walker).then(function (entries) {
      return entries.length ? queue.replay({ force: force }) : {};
    }).then(function (result) {
      sayReplayed(result);
      if (result.retry && !result.login) {
        const wait = Math.max(result.nextAttemptAt - Date.now(), 1000);
        retryTimer = setTimeout(function () { replay(false); }, wait);
      }
      return refresh(result.login && result.loginUrl);
    });
  }

  // The badge in the header and, on the queue page, the list of saved walks.
  function refresh(loginUrl) {
    return queue.list(walker).then(function (entries) {
      const badge = document.getElementById("sync-badge");
      if (badge) {
        badge.hidden = entries.length === 0;
        badge.querySelector(".sync-count").textContent = entries.length;
        badge.querySelector(".sync-login").hidden = !loginUrl;
      }
      const login = document.getElementById("offline-login");
      if (login) login.hidden = !(entries.length && loginUrl);
      renderList(entries);
    });
  }

  function renderList(entries) {
    const list = document.getElementById("offline-queue-list");
    if (!list) return;
    list.replaceChildren.apply(list, entries.map(item));
    document.getElementById("offline-queue-empty").hidden = entries.length > 0;
  }

  function item(entry) {
    const li = document.createElement("li");
    li.className = "queue-entry queue-entry--" + entry.state;
    const text = document.createElement("p");
    text.textContent = entry.summary + (entry.state === "rejected"
      ? ": not accepted. " + entry.reason : ": waiting to sync.");
    li.appendChild(text);
    if (entry.state === "rejected") li.appendChild(button("Fix", function () { fix(entry); }));
    li.appendChild(button("Discard", function () {
      if (window.confirm("Discard this walk? It has not reached your team.")) {
        queue.remove(entry.clientId).then(refresh);
      }
    }));
    return li;
  }

  function button(label, onClick) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = "btn btn--secondary btn--small";
    element.textContent = label;
    element.addEventListener("click", onClick);
    return element;
  }

  // Puts a rejected walk back into the page's form (same client id) for the walker to correct.
  function fix(entry) {
    const form = document.getElementById("activity-form");
    if (!form) return;
    document.getElementById("offline-fix").hidden = false;
    entry.fields.forEach(function (pair) {
      const field = form.elements[pair[0]];
      if (!field || pair[0] === "csrf_token") return;
      if (pair[0] === "quick") {  // "2 mi": the distance box and the unit it names
        const quick = pair[1].split(" ");
        form.elements.distance.value = quick[0];
        if (quick[1]) form.elements.unit.value = quick[1];
        return;
      }
      if (field instanceof RadioNodeList) field.value = pair[1];
      else if (field.type !== "submit") field.value = pair[1];
    });
    form.elements.distance.focus();
  }

  // The page and the worker (Background Sync) may both replay, each the walks it found: the
  // note covers every walk synced since the last one was saved, each said once.
  function sayReplayed(result) {
    if (!result.synced) return;
    (result.reports || []).forEach(function (report) {
      syncedNews.set(report.clientId, report.text);
    });
    const synced = Math.max(syncedNews.size, result.synced);
    const news = Array.from(syncedNews.values()).join(" ");
    say("Synced " + synced + (synced === 1 ? " saved walk" : " saved walks") +
      (news ? ": " + news : "."));
  }

  // An empty live region next to each log form, there before anything is said in it (screen
  // readers announce changes to a status region, not a region that appears with its text).
  function addStatusAfter(form) {
    const status = document.createElement("p");
    status.className = "offline-status";
    status.setAttribute("role", "status");
    status.style.margin = "0";  // no gap while it is empty
    form.after(status);
  }

  // Said right under the button the walker tapped, scrolled into view if need be.
  function sayNextTo(form, message) {
    const status = form.nextElementSibling;
    if (!status || !status.classList.contains("offline-status")) return sayAtTop(message);
    status.className = "offline-status flash flash--info";
    status.style.margin = "";
    status.textContent = message;
    status.scrollIntoView({ block: "nearest" });
  }

  // Next to the log form when the walker can see it, else at the top of the page.
  function say(message) {
    const form = document.getElementById("activity-form");
    if (form && inView(form)) sayNextTo(form, message);
    else sayAtTop(message);
  }

  function sayAtTop(message) {
    const flashes = document.getElementById("flashes");
    if (!flashes) return;
    const note = flashes.querySelector(".offline-said") || document.createElement("p");
    note.className = "flash flash--info offline-said";  // one note: the latest news
    note.textContent = message;
    flashes.appendChild(note);
  }

  function inView(element) {
    const box = element.getBoundingClientRect();
    return box.height > 0 && box.bottom > 0 && box.top < window.innerHeight;
  }

  // The field's `max` is the day the page was served. The range moves by the days since, and
  // the value too when it still says that day (the form's default), not a day the walker chose.
  function moveToToday(field) {
    const today = isoDate(new Date());
    if (!field || !field.max || field.max >= today) return;
    const days = daysBetween(field.max, today);
    // Both the value and the one a form.reset() goes back to (the next walk on this page).
    if (field.defaultValue === field.max) field.defaultValue = today;
    if (field.value === field.max) field.value = today;
    if (field.min) field.min = addDays(field.min, days);
    field.max = today;
  }

  function isoDate(date) {  // the local calendar day, as a date input writes it
    const pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate());
  }

  function daysBetween(from, to) {
    return Math.round((Date.parse(to + "T00:00Z") - Date.parse(from + "T00:00Z")) / 864e5);
  }

  function addDays(day, days) {
    const date = new Date(Date.parse(day + "T00:00Z") + days * 864e5);
    return date.toISOString().slice(0, 10);
  }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }
})();
