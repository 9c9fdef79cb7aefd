// Behaviour shared by every page, kept out of the HTML so the Content-Security-Policy can forbid
// inline scripts: a <select data-autosubmit> submits its form on change; a [data-print] button prints.
//
// The scripts' words come from /jsi18n/ (Django's JavaScript catalogue, loaded before this file):
// gettext("…") and interpolate("…%(name)s…", {name: …}, true). A page a grid worker's phone opens
// offline may not have it: the words then stay as written (Chinese).
if (typeof window.gettext !== "function") {
  window.gettext = function (text) { return text; };
  window.interpolate = function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
  };
}
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.submit();
  }
});
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (button) {
    window.print();
  }
});
