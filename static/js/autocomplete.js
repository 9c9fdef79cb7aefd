/* Type-ahead over a list embedded in the page (Chinese, pinyin initials such as "ld", or a code): the
   window's category and grid pickers and the grid worker's report. No library.
   Markup: templates/intake/_autocomplete.html. With data-group="parent" on the input the matches are
   shown under their parent's name (item.parent), and an empty field lists every entry so (a phone
   has no keyboard shortcuts: tap the field, scroll the groups or type). */
(function () {
  "use strict";

  function score(item, query) {
    var q = query.toLowerCase();
    var initials = (item.initials || "").split(" ");
    if (item.name === query || item.code.toLowerCase() === q) return 0;
    if (initials[0] && initials[0].indexOf(q) === 0) return 1;
    if (item.name.indexOf(query) === 0) return 2;
    if (item.name.indexOf(query) >= 0) return 3;
    if (item.path.indexOf(query) >= 0) return 4;
    for (var i = 1; i < initials.length; i++) { if (initials[i] && initials[i].indexOf(q) === 0) return 5; }
    if (item.code.toLowerCase().indexOf(q) === 0) return 6;
    return -1;
  }

  // The matches in groups by parent, the group of the best match first; within a group best first.
  function grouped(matches) {
    var order = [];
    var groups = {};
    matches.forEach(function (item) {
      var key = item.parent || "";
      if (!groups[key]) { groups[key] = []; order.push(key); }
      groups[key].push(item);
    });
    return order.map(function (key) { return { parent: key, items: groups[key] }; });
  }

  function attach(input, items) {
    var hidden = document.getElementById(input.dataset.target);
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var byParent = input.dataset.group === "parent";
    var limit = byParent ? 40 : 12;
    var shown = [];
    var nodes = [];
    var active = -1;

    input.pickById = function (id, path) {
      var item = items.filter(function (x) { return String(x.id) === String(id); })[0] || { id: id, path: path, name: path };
      hidden.value = item.id;
      input.value = path || item.path;
      input.dispatchEvent(new CustomEvent("picked", { detail: item }));
    };

    function close() {
      list.classList.add("d-none");
      input.setAttribute("aria-expanded", "false");
      active = -1;
    }

    function pick(item) {
      hidden.value = item.id;
      input.value = item.path;
      input.classList.remove("is-invalid");
      close();
      input.dispatchEvent(new CustomEvent("picked", { detail: item }));
    }

    function highlight() {
      nodes.forEach(function (li, i) {
        li.classList.toggle("active", i === active);
        li.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      if (active >= 0 && nodes[active].scrollIntoView) nodes[active].scrollIntoView({ block: "nearest" });
    }

    function option(item) {
      var li = document.createElement("li");
      li.className = "list-group-item list-group-item-action py-1 small";
      li.setAttribute("role", "option");
      li.setAttribute("data-id", item.id);
      if (byParent) {
        li.textContent = item.name;
        if (item.initials) {
          var hint = document.createElement("span");
          hint.className = "text-muted ms-2";
          hint.textContent = item.initials.split(" ")[0];
          li.appendChild(hint);
        }
      } else {
        li.textContent = item.path + (item.initials ? "  " + item.initials.split(" ")[0] : "");
      }
      li.addEventListener("mousedown", function (event) { event.preventDefault(); pick(item); });
      return li;
    }

    function matchesOf(query) {
      return items
        .map(function (item) { return { item: item, s: score(item, query) }; })
        .filter(function (x) { return x.s >= 0; })
        .sort(function (a, b) { return a.s - b.s; })
        .slice(0, limit)
        .map(function (x) { return x.item; });
    }

    // `browsing`: the field was just tapped; every entry, by group, whatever it holds.
    function render(browsing) {
      var query = browsing ? "" : input.value.trim();
      if (!browsing) hidden.value = "";
      list.textContent = "";
      nodes = [];
      shown = [];
      if (!query && !browsing) { close(); return; }
      var matches = query ? matchesOf(query) : items;
      (byParent ? grouped(matches) : [{ parent: "", items: matches }]).forEach(function (group) {
        if (group.parent) {
          var head = document.createElement("li");
          head.className = "list-group-item list-group-item-secondary py-1 small fw-semibold";
          head.setAttribute("role", "presentation");
          head.setAttribute("data-group", group.parent);
          head.textContent = group.parent;
          list.appendChild(head);
        }
        group.items.forEach(function (item) {
          var li = option(item);
          shown.push(item);
          nodes.push(li);
          list.appendChild(li);
        });
      });
      active = query && shown.length ? 0 : -1;
      highlight();
      list.classList.toggle("d-none", !shown.length);
      input.setAttribute("aria-expanded", shown.length ? "true" : "false");
    }

    input.addEventListener("input", function () { render(false); });
    // A form cleared by a script (the phone's report kept offline) clears the choice with the text.
    if (input.form) input.form.addEventListener("reset", function () { hidden.value = ""; });
    if (byParent) {
      input.addEventListener("focus", function () {
        if (input.value.trim() && !hidden.value) return;  // half-typed: the matches come as she types
        if (hidden.value) input.select();
        render(true);
      });
    }
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && shown.length) { active = (active + 1) % shown.length; highlight(); event.preventDefault(); }
      else if (event.key === "ArrowUp" && shown.length) { active = (active - 1 + shown.length) % shown.length; highlight(); event.preventDefault(); }
      else if (event.key === "Enter") {
        if (!list.classList.contains("d-none") && active >= 0) { pick(shown[active]); event.preventDefault(); }
        else if (!hidden.value && input.value.trim()) { event.preventDefault(); }
      }
      else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 100); });
  }

  window.Autocomplete = { attach: attach, score: score };

  // Every picker of the page, over the JSON list its data-autocomplete names ("categories" reads the
  // script element #categories-data). Loaded before the page's own script, so this runs first.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-autocomplete]").forEach(function (input) {
      var data = document.getElementById(input.dataset.autocomplete + "-data");
      attach(input, data ? JSON.parse(data.textContent) : []);
    });
  });
})();
