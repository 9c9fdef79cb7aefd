/* Offline queue of the grid worker's forms (forms marked data-offline).
 *
 * A submit goes out with fetch. If the network is down, the form (text and photos) is kept in
 * IndexedDB and sent again when the browser is back online or the page is opened again. Each
 * form carries a client-made key (client_key), so the server records a resent entry once only.
 */
(function () {
  "use strict";
  var DB = "grid-offline", STORE = "outbox";

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), out = fn(t.objectStore(STORE));
        t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }

  function status(text) {
    var el = document.querySelector("[data-offline-status]");
    if (!el) return;
    el.textContent = text;
    el.classList.toggle("d-none", !text);
  }

  function pendingCount() {
    return tx("readonly", function (s) { return s.count(); });
  }

  function showPending() {
    return pendingCount().then(function (n) {
      status(n ? "有 " + n + " 条记录保存在手机上，网络恢复后自动发送。" : "");
    });
  }

  function entriesOf(form, submitter) {
    var data = submitter ? new FormData(form, submitter) : new FormData(form);
    var fields = [];
    data.forEach(function (value, name) {
      if (value instanceof Blob && !value.name && !value.size) return;  // an empty file input
      fields.push([name, value]);
    });
    return fields;
  }

  function toFormData(fields) {
    var data = new FormData();
    fields.forEach(function (f) {
      if (f[1] instanceof Blob) data.append(f[0], f[1], f[1].name || "photo.jpg");
      else data.append(f[0], f[1]);
    });
    return data;
  }

  function send(url, fields) {
    return fetch(url, { method: "POST", body: toFormData(fields), credentials: "same-origin",
                        headers: { "X-Requested-With": "offline-queue" } });
  }

  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine) return Promise.resolve();
    flushing = true;
    return tx("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return items.reduce(function (chain, item) {
        return chain.then(function () {
          return send(item.url, item.fields).then(function (response) {
            // Sent (or refused for good): either way it leaves the phone; a network error keeps it.
            if (response.status < 500) return tx("readwrite", function (s) { s.delete(item.key); });
          }, function () { /* still offline */ });
        });
      }, Promise.resolve());
    }).then(function () {
      flushing = false;
      return pendingCount().then(function (n) {
        if (n === 0 && document.querySelector("[data-offline-status]:not(.d-none)")) {
          status("");
          window.location.reload();
        } else {
          showPending();
        }
      });
    }, function () { flushing = false; });
  }

  function prepare(form) {
    var key = form.querySelector("[name=client_key]");
    if (key && !key.value) key.value = newKey();
    var started = form.querySelector("[data-started-at]");
    if (started) started.value = new Date().toISOString();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-offline]") || !window.fetch || !window.indexedDB) return;
    event.preventDefault();
    prepare(form);
    var fields = entriesOf(form, event.submitter);
    var url = form.getAttribute("action") || window.location.pathname;
    var keyField = form.querySelector("[name=client_key]");
    var key = (keyField && keyField.value) || newKey();
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    send(url, fields).then(function (response) {
      // The page the server answered (after its redirect: the one-time messages are in it).
      return response.text().then(function (html) {
        if (response.redirected) window.history.replaceState(null, "", response.url);
        document.open(); document.write(html); document.close();
      });
    }, function () {
      return tx("readwrite", function (s) { s.put({ key: key, url: url, fields: fields, at: Date.now() }); })
        .then(function () {
          buttons.forEach(function (b) { b.disabled = false; });
          form.reset();
          if (keyField) keyField.value = newKey();
          showPending();
        });
    });
  });

  window.addEventListener("online", flush);
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-offline]").forEach(function (form) {
      var key = form.querySelector("[name=client_key]");
      if (key && !key.value) key.value = newKey();
    });
    showPending().then(flush);
  });
})();
