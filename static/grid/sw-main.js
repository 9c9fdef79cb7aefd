/* The grid worker's service worker (loaded by /sw.js, which sets self.GRID_SW and imports
 * outbox.js before this file).
 *
 * - Keeps the grid worker's pages and their static files for offline use: network first, the
 *   cache when the network is down (pages under /grid/ as they are visited, and the main pages and
 *   static files on install). Never the key-person ledger (every view of it is recorded) nor a
 *   page the server marks no-store.
 * - Sends the outbox (outbox.js) on Background Sync, so an entry made offline is sent when the
 *   network returns even if no page is open; browsers without it send on the next page load or
 *   `online` event (offline.js).
 * - Forgets the cached pages when someone signs out or in (a phone may change hands); the outbox
 *   stays, each entry sent only for the person who made it.
 */
/* global GridOutbox */
(function () {
  "use strict";
  var cfg = self.GRID_SW;
  var PAGES = "grid-pages-v1", STATIC = "grid-static-" + cfg.version;
  GridOutbox.configure({ session: cfg.session, login: cfg.login });

  function cacheable(response) {
    return response && response.ok && !response.redirected && response.type === "basic";
  }

  self.addEventListener("install", function (event) {
    event.waitUntil(Promise.all([
      caches.open(STATIC).then(function (cache) { return cache.addAll(cfg.precache); }),
      // The main pages while signed in (a page that redirects to the login is not kept).
      caches.open(PAGES).then(function (cache) {
        return Promise.all(cfg.pages.map(function (url) {
          return fetch(url, { credentials: "same-origin" }).then(function (response) {
            if (cacheable(response)) return cache.put(url, response);
          }, function () { /* offline at install: kept as they are visited */ });
        }));
      })
    ]).then(function () { return self.skipWaiting(); }));
  });

  self.addEventListener("activate", function (event) {
    event.waitUntil(caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf("grid-static-") === 0 && n !== STATIC; })
        .map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); }));
  });

  function offlinePage() {
    var html = "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">" +
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>离线</title></head>" +
      "<body><h1>网络已断开</h1><p>此页面尚未保存在手机上。已填写的上报、巡查记录保存在手机上，网络恢复后自动发送。</p>" +
      "<p><a href=\"" + cfg.pages[0] + "\">返回我的网格</a></p></body></html>";
    return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  }

  function page(request) {
    return fetch(request).then(function (response) {
      var noStore = /no-store/.test(response.headers.get("Cache-Control") || "");
      if (cacheable(response) && !noStore && (response.headers.get("Content-Type") || "").indexOf("text/html") === 0) {
        var copy = response.clone();
        caches.open(PAGES).then(function (cache) { cache.put(request.url, copy); });
      } else if (response.type === "opaqueredirect") {
        // A grid page that redirects is the login (signed out, the session expired): nothing of
        // the last person stays readable on the phone.
        caches.delete(PAGES);
      }
      return response;
    }, function () {
      return caches.open(PAGES).then(function (cache) { return cache.match(request.url); })
        .then(function (hit) { return hit || offlinePage(); });
    });
  }

  function asset(request) {
    return fetch(request).then(function (response) {
      if (cacheable(response)) {
        var copy = response.clone();
        caches.open(STATIC).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }, function () {
      return caches.match(request).then(function (hit) { return hit || Response.error(); });
    });
  }

  self.addEventListener("fetch", function (event) {
    var request = event.request, url = new URL(request.url);
    if (url.origin !== self.location.origin) return;
    if (request.method === "POST" && (url.pathname === cfg.logout || url.pathname === cfg.login)) {
      event.waitUntil(caches.delete(PAGES));
      return;
    }
    if (request.method !== "GET") return;
    var kept = !cfg.private.some(function (prefix) { return url.pathname.indexOf(prefix) === 0; });
    if (request.mode === "navigate" && url.pathname.indexOf(cfg.scope) === 0 && kept) {
      event.respondWith(page(request));
    } else if (cfg.precache.indexOf(url.pathname) !== -1) {
      event.respondWith(asset(request));
    }
  });

  function tellPages(result) {
    return self.clients.matchAll({ type: "window" }).then(function (pages) {
      pages.forEach(function (client) { client.postMessage({ type: "grid-outbox", result: result }); });
    });
  }

  self.addEventListener("sync", function (event) {
    if (event.tag !== GridOutbox.SYNC_TAG) return;
    event.waitUntil(GridOutbox.flush().then(function (result) {
      return tellPages(result).then(function () {
        // Still offline: fail, so the browser tries again later. Signed out: the next page load sends it.
        if (result.offline) throw new Error("offline");
      });
    }));
  });

  self.addEventListener("message", function (event) {
    if (event.data === "grid-outbox-flush") event.waitUntil(GridOutbox.flush().then(tellPages));
  });
})();
