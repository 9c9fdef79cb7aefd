/* The window page: keyboard-first autocomplete (Chinese or pinyin initials: static/js/autocomplete.js),
   repeat-visit lookup, group toggle. No library; the data lists are embedded in the page as JSON. */
/* global gettext, interpolate */
(function () {
  "use strict";

  function repeatVisits() {
    var box = document.getElementById("repeat-visits");
    var listNode = document.getElementById("repeat-visit-list");
    var urlNode = document.getElementById("lookup-url");
    if (!box || !urlNode) return;
    var last = "";
    var kept = {};
    document.querySelectorAll("#linked-keep input").forEach(function (node) { kept[node.value] = true; });

    function lookup() {
      var id = document.getElementById("id_applicant_id_number").value.trim();
      var phone = document.getElementById("id_applicant_phone").value.trim();
      var key = id + "|" + phone;
      if ((!id && !phone) || key === last) return;
      last = key;
      // In the body (POST), never in the address: an ID number or phone in a query string lands in
      // every access log on the way.
      var params = new URLSearchParams();
      if (id) params.set("id_number", id);
      if (phone) params.set("phone", phone);
      var token = document.querySelector("[name=csrfmiddlewaretoken]");
      fetch(urlNode.dataset.url, { method: "POST", credentials: "same-origin", body: params,
        headers: { "X-CSRFToken": token ? token.value : "", "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data) show(data); })
        .catch(function () { /* lookup is a convenience: the form works without it */ });
    }

    function fill(id, value) {
      var node = document.getElementById(id);
      if (node && !node.value && value) node.value = value;
    }

    function hint(id, value) {
      var node = document.getElementById(id);
      if (node && value) node.placeholder = interpolate(gettext("已登记：%(value)s"), { value: value }, true);
    }

    function show(data) {
      if (data.party) {
        fill("id_applicant_name", data.party.name);
        // Phone and address come masked: shown as a hint, never typed in for the clerk.
        hint("id_applicant_phone", data.party.phone_masked);
        hint("id_applicant_address", data.party.address_masked);
      }
      // A repeat visit is usually about the same place: prefill the newest matter's address and grid.
      var latest = data.cases[0];
      if (latest) {
        fill("id_address", latest.address);
        var gridSearch = document.getElementById("grid-search");
        if (latest.grid && gridSearch && !document.getElementById("id_grid").value && gridSearch.pickById) {
          gridSearch.pickById(latest.grid.id, latest.grid.path);
        }
      }
      document.dispatchEvent(new CustomEvent("applicant-known"));
      // A later lookup (the phone filled in after the ID) must not drop the clerk's ticks.
      listNode.querySelectorAll("input[name=link_to]").forEach(function (node) {
        if (node.checked) { kept[node.value] = true; } else { delete kept[node.value]; }
      });
      listNode.textContent = "";
      if (!data.cases.length) { box.classList.add("d-none"); return; }
      var keep = document.getElementById("linked-keep");
      if (keep) keep.remove();
      data.cases.forEach(function (row) {
        var wrap = document.createElement("div");
        wrap.className = "form-check";
        var check = document.createElement("input");
        check.type = "checkbox"; check.name = "link_to"; check.value = row.id;
        check.className = "form-check-input"; check.id = "link-" + row.id;
        check.checked = !!kept[String(row.id)];
        var label = document.createElement("label");
        label.className = "form-check-label"; label.htmlFor = check.id;
        label.textContent = row.code + "　" + row.registered_at.slice(0, 10) + "　" + row.category + "　" + row.title + "（" + row.status_label + "）";
        var link = document.createElement("a");
        link.href = row.url; link.target = "_blank"; link.rel = "noopener"; link.className = "ms-2"; link.textContent = gettext("查看");
        wrap.appendChild(check); wrap.appendChild(label); wrap.appendChild(link);
        listNode.appendChild(wrap);
      });
      box.classList.remove("d-none");
    }

    ["id_applicant_id_number", "id_applicant_phone"].forEach(function (id) {
      var node = document.getElementById(id);
      if (node) node.addEventListener("blur", lookup);
    });
    lookup();
  }

  function groupToggle() {
    var box = document.getElementById("id_is_group");
    var wrap = document.getElementById("group-size-wrap");
    if (!box || !wrap) return;
    box.addEventListener("change", function () {
      wrap.classList.toggle("d-none", !box.checked);
      if (box.checked) document.getElementById("id_group_size").focus();
    });
  }

  function fullIdButtons() {
    document.querySelectorAll("[data-full-id-url]").forEach(function (button) {
      button.addEventListener("click", function () {
        var token = document.querySelector("[name=csrfmiddlewaretoken]");
        fetch(button.dataset.fullIdUrl, { method: "POST", credentials: "same-origin",
          headers: { "X-CSRFToken": token ? token.value : "", "Accept": "application/json" } })
          .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
          .then(function (result) {
            var target = document.getElementById(button.dataset.target);
            if (result.ok) { target.textContent = result.body.id_number; button.remove(); }
            else { target.textContent = result.body.message || gettext("无权查看"); }
          });
      });
    });
  }

  // The suggested title: "{party}反映{place}{category}" (as intake.titles does for platform pushes),
  // refreshed while the clerk has not typed a title of their own.
  function suggestedTitle() {
    var title = document.getElementById("id_title");
    if (!title) return;
    var lastSuggestion = "";
    var category = "";
    var place = "";

    function value(id) {
      var node = document.getElementById(id);
      return node ? node.value.trim() : "";
    }

    function compose() {
      var party = value("id_applicant_name");
      var group = document.getElementById("id_is_group");
      var size = value("id_group_size");
      if (party && group && group.checked) party += size ? "等" + size + "人" : "等";
      var where = value("id_address") || place;
      if (!category && !where && !party) return "";
      return (party ? party + "反映" : "") + where + category;
    }

    function refresh() {
      var next = compose();
      if (title.value === "" || title.value === lastSuggestion) {
        title.value = next;
        lastSuggestion = next;
      }
    }

    var categoryInput = document.getElementById("category-search");
    if (categoryInput) categoryInput.addEventListener("picked", function (event) {
      category = event.detail.name || "";
      refresh();
      phrases(event.detail.phrases || []);
    });
    var gridInput = document.getElementById("grid-search");
    if (gridInput) gridInput.addEventListener("picked", function (event) {
      // "洛阳镇 / 上浦村第1网格" -> "上浦村": the village, not the unit grid's number.
      var last = (event.detail.path || "").split(" / ").pop();
      place = last.replace(/第\d+网格$/, "");
      refresh();
    });
    ["id_applicant_name", "id_address", "id_group_size"].forEach(function (id) {
      var node = document.getElementById(id);
      if (node) node.addEventListener("input", refresh);
    });
    var group = document.getElementById("id_is_group");
    if (group) group.addEventListener("change", refresh);
    document.addEventListener("applicant-known", refresh);
  }

  // Common phrases of the chosen category: a button each, inserting the phrase at the cursor of
  // the description (Tab reaches them right after the description).
  function phrases(list) {
    var box = document.getElementById("phrases");
    var holder = document.getElementById("phrase-list");
    var description = document.getElementById("id_description");
    if (!box || !holder || !description) return;
    holder.textContent = "";
    list.forEach(function (text) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-outline-secondary btn-sm me-1 mb-1 phrase";
      button.textContent = text.length > 24 ? text.slice(0, 24) + "…" : text;
      button.title = text;
      button.addEventListener("click", function () {
        var start = description.selectionStart || description.value.length;
        var before = description.value.slice(0, start);
        var after = description.value.slice(description.selectionEnd || start);
        description.value = before + text + after;
        description.focus();
        description.selectionStart = description.selectionEnd = (before + text).length;
      });
      holder.appendChild(button);
    });
    box.classList.toggle("d-none", !list.length);
  }

  // Alt+letter shortcuts, matched on the physical key (event.code) so they work whatever the
  // keyboard layout or input method; the elements carry data-shortcut="KeyX".
  function shortcuts() {
    document.addEventListener("keydown", function (event) {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      var target = document.querySelector('[data-shortcut="' + event.code + '"]');
      if (!target) return;
      event.preventDefault();
      if (target.type === "submit") {
        if (target.form.requestSubmit) target.form.requestSubmit(target); else target.click();
      } else {
        target.focus();
        if (target.select) target.select();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    suggestedTitle();
    shortcuts();
    repeatVisits();
    groupToggle();
    fullIdButtons();
    var form = document.getElementById("register-form");
    if (form) {
      // Enter in a text field moves to the next field instead of submitting half a form.
      form.addEventListener("keydown", function (event) {
        var t = event.target;
        if (event.key !== "Enter" || event.defaultPrevented || t.tagName === "TEXTAREA" || t.tagName === "BUTTON") return;
        event.preventDefault();
        var fields = Array.prototype.filter.call(form.elements, function (el) {
          return !el.disabled && el.type !== "hidden" && el.offsetParent !== null;
        });
        var next = fields[fields.indexOf(t) + 1];
        if (next) next.focus();
      });
    }
  });
})();
