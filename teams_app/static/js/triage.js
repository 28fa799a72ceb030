// The survey triage queue with the keyboard: j/k or the arrow keys move between comments, and
// n/e/s/x press the current comment's buttons (new barrier, evidence, story, no action). Every
// action is the comment's own plain form: without this script the buttons work just the same.
(function () {
  "use strict";
  var list = document.querySelector("[data-triage]");
  if (!list) { return; }
  var items = Array.prototype.slice.call(list.querySelectorAll("[data-triage-item]"));
  if (!items.length) { return; }
  var current = 0;

  function select(index, focus) {
    current = Math.max(0, Math.min(items.length - 1, index));
    items.forEach(function (item, i) { item.classList.toggle("is-current", i === current); });
    if (focus) {
      items[current].focus({ preventScroll: true });
      items[current].scrollIntoView({ block: "nearest" });
    }
  }

  // Start at the comment the page was sent to (#comment-ID), else the first.
  var start = items.findIndex(function (item) { return "#" + item.id === window.location.hash; });
  select(start < 0 ? 0 : start, start >= 0);

  items.forEach(function (item, i) {
    item.addEventListener("focusin", function () { select(i, false); });
  });

  function typing(target) {
    var tag = (target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) { return; }
    var key = event.key;
    if (key === "j" || key === "ArrowDown") {
      event.preventDefault();
      select(current + 1, true);
    } else if (key === "k" || key === "ArrowUp") {
      event.preventDefault();
      select(current - 1, true);
    } else if (key === "n" || key === "e" || key === "s" || key === "x") {
      var item = items[current];
      var button = item.querySelector('button[data-key="' + key + '"]');
      if (!button) { return; }
      event.preventDefault();
      if (key === "e") {
        var chosen = item.querySelector("select[name=barrier_id]");
        var number = item.querySelector("input[name=barrier_number]");
        if (chosen && !chosen.value && number && !number.value) {
          number.focus();  // no barrier chosen yet: say which one first
          return;
        }
      }
      button.click();
    }
  });
})();
