// The summons checklist: typing in the filter hides the departments whose name does not match
// (ticked ones stay visible, so a choice never disappears); groups with nothing shown are hidden.
(function () {
  "use strict";
  function setup(form) {
    var filter = form.querySelector(".summons-filter");
    if (!filter) return;
    filter.addEventListener("input", function () {
      var query = filter.value.trim().toLowerCase();
      form.querySelectorAll(".summons-group").forEach(function (group) {
        var shown = 0;
        group.querySelectorAll(".summons-option").forEach(function (option) {
          var ticked = option.querySelector("input").checked;
          var match = !query || ticked || option.dataset.name.toLowerCase().indexOf(query) >= 0;
          option.classList.toggle("d-none", !match);
          if (match) shown += 1;
        });
        group.classList.toggle("d-none", shown === 0);
      });
    });
    // Enter in the filter must not submit a half-made request.
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
  }
  document.querySelectorAll(".summons-form").forEach(setup);
})();
