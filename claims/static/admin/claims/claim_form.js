// The claim form: the section of the chosen kind's own fields opens when the
// kind is chosen (the server opens it too when the page is rendered).
(function () {
  "use strict";

  // Django's autocomplete boxes (select2) add a search field without a label:
  // name it after the box's own label, for screen readers.
  function labelSearchFields(root) {
    root.querySelectorAll(".select2-search__field:not([aria-label])").forEach(function (field) {
      var wrapper = field.closest(".related-widget-wrapper") || field.closest(".form-row, td");
      var select = wrapper && wrapper.querySelector("select");
      var label = select && document.querySelector('label[for="' + select.id + '"]');
      field.setAttribute("aria-label", label ? label.textContent.replace(/:$/, "") : "Search");
    });
  }

  function start() {
    labelSearchFields(document);
    new MutationObserver(function () {
      labelSearchFields(document);
    }).observe(document.body, { childList: true, subtree: true });
    var kind = document.getElementById("id_kind");
    if (!kind) {
      return;
    }
    kind.addEventListener("change", function () {
      var section = document.querySelector("fieldset.kind-" + kind.value);
      var details = section && (section.querySelector("details") || section.closest("details"));
      if (details) {
        details.open = true;
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
