/* Offline use of the grid worker's forms (forms marked data-offline), with outbox.js.
 *
 * A submit goes out with fetch. If the network is down, the form (text and photos) is kept in the
 * outbox (IndexedDB) and sent when the network returns: by the service worker (Background Sync,
 * even with the page closed) or by the next page opened / the `online` event. Each form carries a
 * key made on the phone (client_key), so the server records a resent entry once only. The service
 * worker (/sw.js) also keeps these pages, so they open without a network.
 */
/* global GridOutbox, gettext, interpolate */
(function () {
  "use strict";
  var root = document.querySelector("[data-offline-root]");
  if (!root || !window.GridOutbox) return;
  GridOutbox.configure({ session: root.getAttribute("data-session"), login: root.getAttribute("data-login") });
  var user = root.getAttribute("data-user");
  var sw = "serviceWorker" in navigator ? navigator.serviceWorker : null;

  function status(text) {
    var el = document.querySelector("[data-offline-status]");
    if (!el) return;
    el.textContent = text;
    el.classList.toggle("d-none", !text);
  }

  function showPending() {
    return GridOutbox.count().then(function (n) {
      status(n ? interpolate(gettext("有 %(n)s 条记录保存在手机上，网络恢复后自动发送。"), { n: n }, true) : "");
      return n;
    });
  }

  function afterFlush(result) {
    if (result && result.sent && !result.left) {
      status("");
      window.location.reload();  // the page as the server has it now, with what was just sent
    } else {
      showPending();
    }
  }

  function flush() {
    if (!navigator.onLine) return Promise.resolve();
    return GridOutbox.flush().then(afterFlush, showPending);
  }

  // Background Sync: the service worker sends the outbox when the network returns, page or no page.
  function requestSync() {
    if (!sw) return Promise.resolve();
    return sw.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register(GridOutbox.SYNC_TAG);
    }).catch(function () { /* not granted: the page sends it */ });
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

  function freshKeys(form) {
    // A key per entry made on this phone: a page opened from the cache must not reuse the key of
    // an entry already made from it.
    var key = form.querySelector("[name=client_key]");
    if (key) key.value = GridOutbox.newKey();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-offline]") || !window.fetch || !window.indexedDB) return;
    event.preventDefault();
    var started = form.querySelector("[data-started-at]");
    if (started) started.value = new Date().toISOString();
    var fields = entriesOf(form, event.submitter);
    var url = form.getAttribute("action") || window.location.pathname;
    var keyField = form.querySelector("[name=client_key]");
    var key = (keyField && keyField.value) || GridOutbox.newKey();
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    var body = new FormData();
    fields.forEach(function (f) {
      if (f[1] instanceof Blob) body.append(f[0], f[1], f[1].name || "photo.jpg"); else body.append(f[0], f[1]);
    });
    fetch(url, { method: "POST", body: body, credentials: "same-origin",
                 headers: { "X-Requested-With": "offline-queue" } }).then(function (response) {
      // The page the server answered (after its redirect: the one-time messages are in it).
      return response.text().then(function (html) {
        if (response.redirected) window.history.replaceState(null, "", response.url);
        document.open(); document.write(html); document.close();
      });
    }, function () {
      return GridOutbox.put({ key: key, url: url, fields: fields, user: user, at: Date.now() })
        .then(function () {
          buttons.forEach(function (b) { b.disabled = false; });
          form.reset();
          freshKeys(form);
          return showPending();
        }).then(requestSync);
    });
  });

  if (sw) {
    sw.register(root.getAttribute("data-sw"), { scope: "/" }).catch(function () { /* the page still works */ });
    sw.addEventListener("message", function (event) {
      if (event.data && event.data.type === "grid-outbox") afterFlush(event.data.result);
    });
  }
  window.addEventListener("online", flush);
  document.querySelectorAll("form[data-offline]").forEach(freshKeys);
  showPending().then(function (n) { if (n) flush(); });
})();
