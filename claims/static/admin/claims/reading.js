// Reading a source (claims/admin/reading.py): a selected passage becomes a new
// claim. The Add claim form opens with the source, the quote and its locator
// filled in; the quote is checked against the text again when it is saved.
(function () {
  "use strict";

  function closest(node, selector) {
    var element = node && node.nodeType === 1 ? node : node && node.parentElement;
    return element ? element.closest(selector) : null;
  }

  function start() {
    var text = document.querySelector(".reading-text");
    var bar = document.getElementById("selection-bar");
    var preview = document.getElementById("selection-preview");
    var link = document.getElementById("selection-new-claim");
    if (!text || !bar || !preview || !link) {
      return;
    }

    function update() {
      var selection = window.getSelection();
      var quote = selection ? selection.toString().replace(/\s+/g, " ").trim() : "";
      var words = selection && selection.rangeCount ? closest(selection.getRangeAt(0).startContainer, ".reading-words") : null;
      if (!quote || !words || !text.contains(words)) {
        bar.hidden = true;
        return;
      }
      var query = new URLSearchParams({
        source: text.dataset.source,
        quote: quote,
        locator: words.dataset.locator || ""
      });
      link.href = text.dataset.newClaim + "?" + query.toString();
      preview.textContent = "“" + quote + "” (" + (words.dataset.locator || "") + ")";
      bar.hidden = false;
    }

    document.addEventListener("selectionchange", update);
    update(); // a selection made before this script ran
    text.dataset.ready = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
