// The queue of walks logged without a connection (IndexedDB through idb-keyval), and their
// replay. Loaded by pages (static/js/offline.js) and by the service worker (importScripts).
//
// An entry leaves the queue only when the server has it: the POST's own answer, a 2xx or the
// 303 to the team page (a replay of a client id the server already holds answers the same
// 303), never the page it leads to. A 422 keeps it, marked rejected with the server's reason;
// a network error or any other answer retries with backoff. Every replay asks the server for a
// fresh CSRF token first, so a walk saved days ago still passes; without a session (401) the
// queue waits and the walker is asked to log in. Once walks are in, the server says where each
// went (which teams it counts for: the walker may have left the one they logged it from).
/* exported MileQuestQueue */
// eslint-disable-next-line no-var -- a property of window and of the service worker's self
var MileQuestQueue = (function () {
  "use strict";
  const store = idbKeyval.createStore("milequest", "offline-queue");
  const PREFIX = "walk:";
  const FIRST_RETRY_MS = 2000;
  const LONGEST_RETRY_MS = 30 * 60 * 1000;
  let running = null;
  const queue = {
    SYNC_TAG: "milequest-replay", tokenUrl: "/offline/token", syncedUrl: "/offline/synced"
  };

  queue.add = function (entry) {
    entry.state = "waiting";
    entry.attempts = 0;
    entry.nextAttemptAt = 0;
    return idbKeyval.set(PREFIX + entry.clientId, entry, store);
  };

  queue.remove = function (clientId) {
    return idbKeyval.del(PREFIX + clientId, store);
  };

  queue.get = function (clientId) {
    return idbKeyval.get(PREFIX + clientId, store);
  };

  // The entries of one walker (all of them when `walker` is empty), oldest first.
  queue.list = function (walker) {
    return idbKeyval.entries(store).then(function (pairs) {
      return pairs.map(function (pair) { return pair[1]; }).filter(function (entry) {
        return entry && (!walker || entry.walker === walker);
      }).sort(function (a, b) { return a.savedAt - b.savedAt; });
    });
  };

  // Replays what is due (everything with `force`). Resolves to a summary: how many synced,
  // whether some wait for a retry (and when), whether the walker must log in first.
  queue.replay = function (options) {
    if (!running) {
      running = replayAll(options || {}).finally(function () { running = null; });
    }
    return running;
  };

  function replayAll(options) {
    const result = {
      synced: 0, rejected: 0, retry: false, nextAttemptAt: 0, login: false, reports: []
    };
    const synced = [];
    return freshToken().then(function (token) {
      if (token.login) {
        result.login = true;
        result.loginUrl = token.loginUrl;
        return result;
      }
      return queue.list(token.walker).then(function (entries) {
        const due = entries.filter(function (entry) {
          return entry.state === "waiting" && (options.force || entry.nextAttemptAt <= Date.now());
        });
        return due.reduce(function (previous, entry) {
          return previous.then(function () { return replayOne(entry, token, result, synced); });
        }, Promise.resolve());
      }).then(function () {
        return whereTheyWent(synced).then(function (reports) { result.reports = reports; });
      }).then(function () { return queue.list(token.walker); }).then(function (left) {
        left.forEach(function (entry) {
          if (entry.state !== "waiting") return;
          result.retry = true;
          if (!result.nextAttemptAt || entry.nextAttemptAt < result.nextAttemptAt) {
            result.nextAttemptAt = entry.nextAttemptAt;
          }
        });
        return result;
      });
    }, function () {
      result.retry = true;  // offline, or the server is down: try again later
      result.nextAttemptAt = Date.now() + FIRST_RETRY_MS;
      return result;
    });
  }

  function freshToken() {
    return fetch(queue.tokenUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 401) {
          return response.json().then(function (body) {
            return { login: true, loginUrl: body.login_url };
          });
        }
        if (!response.ok) throw new Error("token: " + response.status);
        return response.json().then(function (body) {
          return { csrf: body.csrf_token, walker: body.walker, loginUrl: body.login_url };
        });
      });
  }

  function replayOne(entry, token, result, synced) {
    const body = new URLSearchParams();
    entry.fields.forEach(function (pair) {
      if (pair[0] !== "csrf_token") body.append(pair[0], pair[1]);
    });
    body.append("csrf_token", token.csrf);
    return fetch(entry.action, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual", cache: "no-store"
    }).then(function (response) {
      if (response.type === "opaqueredirect") {
        return confirmStored(entry, token, result, synced);
      }
      if (response.status >= 200 && response.status < 400) return stored(entry, result, synced);
      if (response.status === 422) {
        result.rejected += 1;
        return response.text().then(function (html) {
          return update(entry.clientId, { state: "rejected", reason: reasonIn(html) });
        });
      }
      return later(entry);
    }, function () { return later(entry); });
  }

  // A redirect hides where it goes: the 303 of a stored walk, or the log-in page's when the
  // session ended between the token and the post (a password changed on another device).
  // The session, still the same walker's, tells them apart.
  function confirmStored(entry, token, result, synced) {
    return freshToken().then(function (now) {
      if (!now.login && now.walker === token.walker) return stored(entry, result, synced);
      result.login = true;
      result.loginUrl = now.loginUrl || token.loginUrl;
      return null;
    }, function () { return later(entry); });
  }

  function stored(entry, result, synced) {
    result.synced += 1;
    synced.push(entry);
    return queue.remove(entry.clientId);
  }

  // One sentence per synced walk, from the server; none if it cannot say (the walks are in).
  // The server answers only for walks it holds from this walker: never another's.
  function whereTheyWent(entries) {
    if (!entries.length) return Promise.resolve([]);
    const query = new URLSearchParams();
    entries.forEach(function (entry) {
      const team = entry.fields.filter(function (pair) { return pair[0] === "team_id"; })[0];
      query.append("walk", entry.clientId);
      query.append("team", team ? team[1] : "");
    });
    return fetch(queue.syncedUrl + "?" + query, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : { walks: [] }; })
      .then(function (body) {
        return body.walks.map(function (walk) {
          return { clientId: walk.client_id, text: walk.report };
        });
      }, function () { return []; });
  }

  function later(entry) {
    const attempts = (entry.attempts || 0) + 1;
    const wait = Math.min(FIRST_RETRY_MS * Math.pow(2, attempts - 1), LONGEST_RETRY_MS);
    return update(entry.clientId, { attempts: attempts, nextAttemptAt: Date.now() + wait });
  }

  // Changes an entry unless another tab synced (and removed) it meanwhile.
  function update(clientId, changes) {
    return idbKeyval.update(PREFIX + clientId, function (entry) {
      return entry && Object.assign(entry, changes);
    }, store);
  }

  // The messages of the form's error summary (templates/_macros.html), as plain text.
  function reasonIn(html) {
    const summary = /class="error-summary"[\s\S]*?<\/ul>/.exec(html);
    const items = summary ? summary[0].match(/<li>[\s\S]*?<\/li>/g) || [] : [];
    const text = items.map(function (item) {
      return item.replace(/<[^>]*>/g, "").replace(/&#39;|&#x27;/g, "'").replace(/&quot;|&#34;/g, '"')
        .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&").trim();
    });
    return text.join(" ") || "The server could not use this walk.";
  }

  return queue;
})();
