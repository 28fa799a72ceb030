// The team board: move cards between stages with a mouse or a finger (SortableJS, vendored) or
// the keyboard ("Pick up", arrow keys, Enter). Every move posts the card's own plain Move form
// with fetch: the script only fills in the form's own fields (the stage it was dropped on, a note)
// and sends the form as it is, so the server applies exactly the same rules as without JavaScript.
// Which moves need a note is the server's to say (``needs_note`` in its answer); the board then
// asks for one and sends the move again. No rule about stages is restated here.
(function () {
  "use strict";
  var board = document.querySelector(".board");
  if (!board) return;
  document.documentElement.classList.add("js");
  var status = document.getElementById("board-status");
  var alertBox = document.getElementById("board-alert");
  var dialog = document.getElementById("move-note");
  var columns = Array.prototype.slice.call(board.querySelectorAll(".board-column"));

  function say(message) {
    // Cleared first so the same words twice are read out twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 30);
  }
  function showError(message) {
    alertBox.textContent = message;
    alertBox.classList.remove("d-none");
    say(message);
  }
  function hideError() { alertBox.classList.add("d-none"); }
  function columnOf(el) { return el.closest(".board-column"); }
  function listOf(column) { return column.querySelector(".board-cards"); }
  function stageName(column) { return column.getAttribute("data-stage-name"); }

  function refreshCounts() {
    columns.forEach(function (column) {
      var n = listOf(column).querySelectorAll(".board-card").length;
      var id = column.getAttribute("data-stage-id");
      document.querySelectorAll('[data-count-for="' + id + '"]').forEach(function (badge) {
        badge.textContent = n;
      });
      column.classList.toggle("is-empty", n === 0);
    });
    overflowCue();
  }

  // Put a card back where it was (a refused or cancelled move).
  function putBack(card, origin) {
    var form = card.querySelector(".move-form");
    form.elements.to_stage_id.value = card.getAttribute("data-stage-id");
    form.elements.note.value = "";
    var list = listOf(origin.column);
    list.insertBefore(card, list.children[origin.index] || null);
    refreshCounts();
  }

  function send(card, column, origin, note) {
    var form = card.querySelector(".move-form");
    form.elements.to_stage_id.value = column.getAttribute("data-stage-id");
    form.elements.note.value = note || "";
    say("Moving “" + card.getAttribute("data-title") + "” to " + stageName(column) + "…");
    return fetch(form.action, {
      method: "POST",
      headers: { "Accept": "application/json" },
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; },
        function () { return { status: response.status, data: { message: "The move could not be saved." } }; });
    }).then(function (result) {
      if (result.status === 200) {
        var id = column.getAttribute("data-stage-id");
        card.setAttribute("data-stage-id", id);
        form.elements.from_stage_id.value = id;
        form.elements.to_stage_id.value = id;
        form.elements.note.value = "";
        hideError();
        refreshCounts();
        say(result.data.message);
        return true;
      }
      if (result.data.needs_note && !note) {
        return askForNote(result.data.message).then(function (text) {
          if (text) return send(card, column, origin, text);
          putBack(card, origin);
          say("Not moved: it is back in " + stageName(origin.column) + ".");
          return false;
        });
      }
      putBack(card, origin);
      showError(result.data.message || "The move could not be saved.");
      return false;
    }).catch(function () {
      putBack(card, origin);
      showError("The move could not be saved. Check your connection, or use the card's Move to… form.");
      return false;
    });
  }

  function askForNote(why) {
    return new Promise(function (resolve) {
      var text = dialog.querySelector("textarea");
      dialog.querySelector("#move-note-why").textContent = why;
      text.value = "";
      dialog.returnValue = "";
      dialog.addEventListener("close", function done() {
        dialog.removeEventListener("close", done);
        resolve(dialog.returnValue === "move" ? text.value.trim() : "");
      });
      dialog.showModal();
      text.focus();
    });
  }

  // --- Mouse and touch: SortableJS, one list per stage, cards move between lists. ----------------
  var origin = null;
  if (window.Sortable) {
    board.querySelectorAll(".board-cards").forEach(function (list) {
      window.Sortable.create(list, {
        group: "board",
        sort: false,
        draggable: ".board-card.is-movable",
        filter: "button, summary, select, input, textarea, label, .move-details",
        preventOnFilter: false,
        forceFallback: true, // the same code path for a mouse and a finger
        fallbackOnBody: true,
        fallbackTolerance: 4,
        delay: 180, // on touch only: a quick swipe still scrolls the page
        delayOnTouchOnly: true,
        touchStartThreshold: 6,
        animation: 120,
        scroll: true,
        bubbleScroll: true,
        ghostClass: "is-ghost",
        chosenClass: "is-chosen",
        dragClass: "is-dragging",
        onStart: function (event) {
          origin = { column: columnOf(event.from), index: event.oldIndex };
          board.classList.add("is-dragging-card");
        },
        onEnd: function (event) {
          board.classList.remove("is-dragging-card");
          var from = origin;
          origin = null;
          if (!from || event.to === event.from) return;
          send(event.item, columnOf(event.to), from);
        },
      });
    });
  }

  // --- Keyboard: pick up, arrows, Enter to drop, Escape to put back. -----------------------------
  var held = null; // {card, button, origin, at}

  function moveHeldTo(index) {
    var target = columns[index];
    if (!target) return;
    held.at = index;
    listOf(target).appendChild(held.card);
    held.button.focus();
    say("Over " + stageName(target) + ". Enter to drop it here, Escape to put it back.");
  }
  function release(drop) {
    var h = held;
    held = null;
    h.card.classList.remove("is-held");
    h.button.setAttribute("aria-pressed", "false");
    h.button.firstChild.textContent = "Pick up";
    var target = columns[h.at];
    if (!drop || target === h.origin.column) {
      putBack(h.card, h.origin);
      h.button.focus();
      say("Put back in " + stageName(h.origin.column) + ".");
      return;
    }
    send(h.card, target, h.origin).then(function () {
      // Dropped into a folded stage (Done, Stopped): the card is out of sight, so its stage's
      // Show button takes the focus.
      var column = columnOf(h.card);
      var expand = column.classList.contains("is-collapsed") && column.querySelector(".board-expand");
      (expand || h.button).focus();
    });
  }

  board.addEventListener("click", function (event) {
    var button = event.target.closest(".board-grab");
    if (!button) return;
    var card = button.closest(".board-card");
    if (held && held.card === card) { release(true); return; }
    if (held) release(false);
    var column = columnOf(card);
    held = {
      card: card,
      button: button,
      origin: { column: column, index: Array.prototype.indexOf.call(listOf(column).children, card) },
      at: columns.indexOf(column),
    };
    card.classList.add("is-held");
    button.setAttribute("aria-pressed", "true");
    button.firstChild.textContent = "Drop here";
    say("Picked up “" + card.getAttribute("data-title") + "” in " + stageName(column) +
      ". Arrow keys choose a stage, Enter drops it, Escape puts it back.");
  });
  board.addEventListener("keydown", function (event) {
    if (!held || !event.target.closest(".board-grab")) return;
    var key = event.key;
    if (key === "ArrowRight" || key === "ArrowDown") { event.preventDefault(); moveHeldTo(Math.min(held.at + 1, columns.length - 1)); }
    else if (key === "ArrowLeft" || key === "ArrowUp") { event.preventDefault(); moveHeldTo(Math.max(held.at - 1, 0)); }
    else if (key === "Escape") { event.preventDefault(); release(false); }
  });

  // --- Done and Stopped fold to their count; a button opens them. --------------------------------
  board.addEventListener("click", function (event) {
    var button = event.target.closest(".board-expand");
    if (!button) return;
    var column = columnOf(button);
    var open = column.classList.toggle("is-collapsed") === false;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.firstChild.textContent = open ? "Hide" : "Show";
    overflowCue();
  });

  // --- A visible cue when stages run past the right edge. ----------------------------------------
  var frame = board.parentElement;
  function overflowCue() {
    var more = board.scrollWidth - board.clientWidth - board.scrollLeft > 4;
    frame.classList.toggle("has-more", more);
  }
  board.addEventListener("scroll", overflowCue, { passive: true });
  window.addEventListener("resize", overflowCue);
  overflowCue();
})();
