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

  // What the worker typed in an entry, to fill it in again (the text fields only).
  var TYPED = ["title", "description", "address", "notes", "route_notes"];

  function refusedNote(entry) {
    var box = document.createElement("div");
    box.className = "alert alert-danger py-2 small";
    box.setAttribute("data-refused-entry", entry.key);
    var head = document.createElement("div");
    var when = new Date(entry.at);
    head.textContent = interpolate(gettext("%(what)s（%(when)s 在手机上填写）未被接受："), {
      what: entry.label || gettext("离线记录"),
      when: (when.getMonth() + 1) + "-" + when.getDate() + " " + when.toTimeString().slice(0, 5)
    }, true) + ((entry.reasons || []).join("；") || interpolate(gettext("服务器答复 %(status)s"), { status: entry.status }, true));
    box.appendChild(head);
    var typed = (entry.fields || []).filter(function (f) { return TYPED.indexOf(f[0]) !== -1 && typeof f[1] === "string" && f[1]; });
    if (typed.length) {
      var text = document.createElement("div");
      text.className = "text-body-secondary mt-1";
      text.setAttribute("data-refused-text", "");
      text.textContent = gettext("所填内容：") + typed.map(function (f) { return f[1]; }).join(" · ");
      box.appendChild(text);
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm btn-outline-danger mt-1";
    button.setAttribute("data-action", "dismiss-refused");
    button.textContent = gettext("知道了，已重新填写");
    button.addEventListener("click", function () { GridOutbox.dismiss(entry.key).then(showPending); });
    box.appendChild(button);
    return box;
  }

  function showRefused() {
    var el = document.querySelector("[data-offline-refused]");
    if (!el) return Promise.resolve();
    return GridOutbox.refused().then(function (entries) {
      entries = entries.filter(function (entry) { return String(entry.user) === String(user); });
      entries.sort(function (a, b) { return a.at - b.at; });
      el.replaceChildren.apply(el, entries.map(refusedNote));
      el.classList.toggle("d-none", !entries.length);
    });
  }

  function showPending() {
    return GridOutbox.count().then(function (n) {
      status(n ? interpolate(gettext("有 %(n)s 条记录保存在手机上，网络恢复后自动发送。"), { n: n }, true) : "");
      return showRefused().then(function () { return n; });
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
      return GridOutbox.put({ key: key, url: url, fields: fields, user: user, at: Date.now(),
                              label: form.getAttribute("data-offline") })
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
