/* The grid worker's outbox: forms made while the network is down, kept on the phone (IndexedDB)
 * and sent when it returns: by an open page (offline.js), or by the service worker (sw-main.js,
 * Background Sync) when no page is open. One implementation for both: the pages load this file with
 * a script tag, the service worker with importScripts().
 *
 * Exactly once: every entry carries the key made on the phone (client_key) and the server records
 * a resent entry once; an entry leaves the phone only after the server answered it. It is sent
 * only for the person who made it (a shared phone), with a fresh CSRF token (a new login rotates it).
 * An entry the server refuses (a 4xx: a photo it cannot read, a matter verified meanwhile by someone
 * else) is not lost in silence: it moves to the refused list with the server's reasons (the page's
 * [data-refusal] messages), which the page shows the worker until she dismisses it.
 */
(function (scope) {
  "use strict";
  var DB = "grid-offline", STORE = "outbox", REFUSED = "refused";
  var config = { session: "/grid/offline/session/", login: "/accounts/login/" };

  function configure(options) {
    Object.keys(options || {}).forEach(function (k) { if (options[k]) config[k] = options[k]; });
  }

  function newKey() {
    if (scope.crypto && scope.crypto.randomUUID) return scope.crypto.randomUUID().replace(/-/g, "");
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 2);
      req.onupgradeneeded = function () {
        [STORE, REFUSED].forEach(function (name) {
          if (!req.result.objectStoreNames.contains(name)) req.result.createObjectStore(name, { keyPath: "key" });
        });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(mode, fn, store) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(store || STORE, mode), out = fn(t.objectStore(store || STORE));
        t.oncomplete = function () { db.close(); resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }

  function put(item) { return tx("readwrite", function (s) { s.put(item); }); }
  function all() { return tx("readonly", function (s) { return s.getAll(); }); }
  function remove(key) { return tx("readwrite", function (s) { s.delete(key); }); }
  function count() { return tx("readonly", function (s) { return s.count(); }); }
  function refused() { return tx("readonly", function (s) { return s.getAll(); }, REFUSED); }
  function dismiss(key) { return tx("readwrite", function (s) { s.delete(key); }, REFUSED); }

  // Out of the outbox and into the refused list, in one transaction: never in both, never in neither.
  function refuse(item, status, reasons) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction([STORE, REFUSED], "readwrite");
        t.objectStore(STORE).delete(item.key);
        t.objectStore(REFUSED).put(Object.assign({}, item, { status: status, reasons: reasons, refusedAt: Date.now() }));
        t.oncomplete = function () { db.close(); resolve(); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }

  var ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#x27;": "'", "&#39;": "'" };
  function unescape(text) { return text.replace(/&(amp|lt|gt|quot|#x27|#39);/g, function (e) { return ENTITIES[e]; }); }

  // The reasons a page gives for refusing a form: its [data-refusal] messages, each with its field's
  // label when it has one. Read as text (the service worker has no DOM).
  function reasonsOf(html) {
    var found = [], re = /data-refusal(?:="([^"]*)")?[^>]*>([^<]*)</g, m;
    while ((m = re.exec(html)) !== null) {
      var text = unescape(m[2]).trim();
      if (text) found.push(m[1] ? unescape(m[1]) + "：" + text : text);
    }
    return found;
  }

  function toFormData(fields, csrf) {
    var data = new FormData();
    fields.forEach(function (f) {
      var value = f[0] === "csrfmiddlewaretoken" && csrf ? csrf : f[1];
      if (value instanceof Blob) data.append(f[0], value, value.name || "photo.jpg");
      else data.append(f[0], value);
    });
    return data;
  }

  function toLogin(response) {
    return response.redirected && new URL(response.url).pathname === config.login;
  }

  // Send every entry of the signed-in person, oldest first. A success (or a redirect to a page) means
  // the server has it (recorded, or recorded before: same key): it leaves the phone. A 4xx refuses
  // it for good: it moves to the refused list with the reasons. No network, a server error or a
  // login page keeps it for the next try.
  function sendAll(items, session) {
    var result = { sent: 0, left: 0, refused: 0, offline: false };
    items.sort(function (a, b) { return a.at - b.at; });
    return items.reduce(function (chain, item) {
      return chain.then(function (stop) {
        if (stop || String(item.user) !== String(session.user)) { result.left += 1; return stop; }
        return fetch(item.url, {
          method: "POST", body: toFormData(item.fields, session.csrf), credentials: "same-origin",
          headers: { "X-Requested-With": "offline-queue" }
        }).then(function (response) {
          if (response.status >= 500 || toLogin(response)) { result.left += 1; return toLogin(response); }
          if (response.status >= 400) {
            result.refused += 1;
            return response.text().then(reasonsOf, function () { return []; }).then(function (reasons) {
              return refuse(item, response.status, reasons);
            }).then(function () { return false; });
          }
          result.sent += 1;
          return remove(item.key).then(function () { return false; });
        }, function () { result.left += 1; result.offline = true; return true; });
      });
    }, Promise.resolve(false)).then(function () { return result; });
  }

  function flushOnce() {
    return all().then(function (items) {
      if (!items.length) return { sent: 0, left: 0, refused: 0, offline: false };
      return fetch(config.session, { credentials: "same-origin", cache: "no-store",
                                     headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok || response.redirected) return { sent: 0, left: items.length, signedOut: true };
          return response.json().then(function (session) { return sendAll(items, session); });
        }, function () { return { sent: 0, left: items.length, offline: true }; });
    });
  }

  // One flush at a time across the pages and the service worker (Web Locks where the browser has
  // them; the server's keys make an overlap harmless anyway).
  var running = null;
  function flush() {
    if (running) return running;
    var locks = scope.navigator && scope.navigator.locks;
    running = (locks ? locks.request("grid-outbox", flushOnce) : flushOnce()).then(function (r) {
      running = null; return r;
    }, function (e) { running = null; throw e; });
    return running;
  }

  scope.GridOutbox = {
    SYNC_TAG: "grid-outbox", configure: configure, newKey: newKey, put: put, all: all, count: count,
    flush: flush, refused: refused, dismiss: dismiss, reasonsOf: reasonsOf
  };
})(self);
