// Drag and drop on the team board. Each card also has a plain Move form, which is what this
// script posts (with fetch), so the server applies exactly the same rules either way.
(function () {
  var board = document.querySelector(".board");
  if (!board) return;
  var status = document.getElementById("board-status");
  var dragged = null;

  function say(message) {
    if (status) status.textContent = message;
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest(".board-card");
    if (!card) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.initiativeId);
  });
  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    board.querySelectorAll(".is-over").forEach(function (c) { c.classList.remove("is-over"); });
  });
  board.addEventListener("dragover", function (event) {
    var column = event.target.closest(".board-column");
    if (!column || !dragged) return;
    event.preventDefault();
    column.classList.add("is-over");
  });
  board.addEventListener("dragleave", function (event) {
    var column = event.target.closest(".board-column");
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("is-over");
  });
  board.addEventListener("drop", function (event) {
    var column = event.target.closest(".board-column");
    if (!column || !dragged) return;
    event.preventDefault();
    var to = column.dataset.stageId;
    if (to === dragged.dataset.stageId) return;
    var note = "";
    var toIndex = Array.prototype.indexOf.call(board.children, column);
    var fromColumn = board.querySelector('.board-column[data-stage-id="' + dragged.dataset.stageId + '"]');
    var fromIndex = Array.prototype.indexOf.call(board.children, fromColumn);
    if (toIndex < fromIndex || column.classList.contains("stage-col-stopped")) {
      note = window.prompt("Why? A note is needed to move it back or stop it.") || "";
      if (!note) return;
    }
    var body = new URLSearchParams();
    body.set("csrf_token", board.dataset.csrf);
    body.set("to_stage_id", to);
    body.set("from_stage_id", dragged.dataset.stageId);
    body.set("note", note);
    say("Moving…");
    fetch(dragged.dataset.moveUrl, {
      method: "POST",
      headers: { "Accept": "application/json" },
      body: body,
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        say(result.data.message);
        if (!result.ok) window.alert(result.data.message);
        window.location.reload();
      })
      .catch(function () {
        window.alert("The move could not be saved. Use the card's Move menu instead.");
      });
  });
})();
