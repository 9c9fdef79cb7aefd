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

  function when(at) {
    var d = new Date(at);
    return (d.getMonth() + 1) + "-" + d.getDate() + " " + d.toTimeString().slice(0, 5);
  }

  // A button of a note (dismiss a refused entry; "same report" or not).
  function noteButton(className, action, text, onClick) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm mt-1 " + className;
    button.setAttribute("data-action", action);
    button.textContent = text;
    button.addEventListener("click", onClick);
    return button;
  }

  function refusedNote(entry) {
    var box = document.createElement("div");
    box.className = "alert alert-danger py-2 small";
    box.setAttribute("data-refused-entry", entry.key);
    var head = document.createElement("div");
    head.textContent = interpolate(gettext("%(what)s（%(when)s 在手机上填写）未被接受："), {
      what: entry.label || gettext("离线记录"),
      when: when(entry.at)
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
    box.appendChild(noteButton("btn-outline-danger", "dismiss-refused", gettext("知道了，已重新填写"),
                               function () { GridOutbox.dismiss(entry.key).then(showPending); }));
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

  // --- what was kept, where she is looking; the same report typed twice -------------------------

  function typedValue(fields, name) {
    var found = fields.filter(function (f) { return f[0] === name && typeof f[1] === "string"; })[0];
    return found ? found[1] : "";
  }

  // Two entries are "the same report" when their title or their description match once spaces and
  // punctuation are left out (typed again from memory: "挡土墙开裂。" and "挡土墙 开裂").
  function normal(text) { return (text || "").toLowerCase().replace(/[\s\p{P}\p{S}]/gu, ""); }

  function sameAs(fields, url) {
    var title = normal(typedValue(fields, "title"));
    var description = normal(typedValue(fields, "description"));
    if (!title && !description) return Promise.resolve(null);
    return GridOutbox.all().then(function (items) {
      return items.filter(function (item) {
        if (String(item.user) !== String(user) || item.url !== url) return false;
        var t = normal(typedValue(item.fields || [], "title"));
        var d = normal(typedValue(item.fields || [], "description"));
        return (title && t === title) || (description && d === description);
      })[0] || null;
    }, function () { return null; });
  }

  // A note just above the form's button: the entry kept on the phone (what she typed, when), or the
  // question whether a new entry is the kept one again. Scrolled to where she is looking.
  function noteAt(form, kind) {
    var old = form.querySelector("[data-offline-note]");
    if (old) old.remove();
    var box = document.createElement("div");
    box.setAttribute("data-offline-note", kind);
    box.setAttribute("role", "status");
    var button = form.querySelector("button:not([type=button])") || form.lastElementChild;
    form.insertBefore(box, button);
    return box;
  }

  function showKept(form, entry) {
    var box = noteAt(form, "kept");
    box.className = "alert alert-success py-2 small my-2";
    var title = typedValue(entry.fields || [], "title") || typedValue(entry.fields || [], "route_notes");
    box.textContent = interpolate(gettext("已保存在手机上（%(when)s）%(what)s，网络恢复后自动发送，不用重新填写。"), {
      when: when(entry.at), what: title ? "：“" + title + "”" : ""
    }, true);
    box.scrollIntoView({ block: "center" });
  }

  function offerSame(form, kept, send) {
    var box = noteAt(form, "same");
    box.className = "alert alert-warning py-2 small my-2";
    var text = document.createElement("div");
    text.textContent = interpolate(gettext("这条与 %(when)s 保存在手机上的“%(title)s”几乎相同，是同一件事吗？"), {
      when: when(kept.at), title: typedValue(kept.fields, "title") || typedValue(kept.fields, "description")
    }, true);
    box.appendChild(text);
    box.appendChild(noteButton("btn-warning me-2", "same-report", gettext("是同一条，不再上报"), function () {
      form.reset();
      freshKeys(form);
      showKept(form, kept);
    }));
    box.appendChild(noteButton("btn-outline-secondary", "not-same-report", gettext("不是，另报一条"),
                               function () { box.remove(); send(); }));
    box.scrollIntoView({ block: "center" });
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

    function send() {
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
        var entry = { key: key, url: url, fields: fields, user: user, at: Date.now(),
                      label: form.getAttribute("data-offline") };
        return GridOutbox.put(entry)
          .then(function () {
            buttons.forEach(function (b) { b.disabled = false; });
            form.reset();
            freshKeys(form);
            showKept(form, entry);
            return showPending();
          }).then(requestSync);
      });
    }

    // The same report typed again (the first is still on the phone): ask before making a second one.
    sameAs(fields, url).then(function (kept) {
      if (kept) offerSame(form, kept, send); else send();
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
