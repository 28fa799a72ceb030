// The portfolio board: a team's "Show cards" opens its cards under its row, fetched once as an
// HTML fragment. Without script the same link opens a page with those cards.
(function () {
  var links = document.querySelectorAll("[data-cards-url]");
  Array.prototype.forEach.call(links, function (link) {
    link.setAttribute("role", "button");
    link.setAttribute("aria-expanded", "false");
    link.setAttribute("aria-controls", link.getAttribute("data-cards-target"));
  });

  function say(link, open) {
    var label = link.querySelector("[data-cards-label]");
    if (label) label.textContent = open ? "Hide cards" : "Show cards";
    link.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function failed(slot, link) {
    slot.textContent = "";
    var p = document.createElement("p");
    p.className = "small mb-0";
    p.appendChild(document.createTextNode("The cards could not be loaded. "));
    var a = document.createElement("a");
    a.href = link.getAttribute("href");
    a.textContent = "Open them on their own page";
    p.appendChild(a);
    p.appendChild(document.createTextNode("."));
    slot.appendChild(p);
  }

  function toggle(link) {
    var row = document.getElementById(link.getAttribute("data-cards-target"));
    var slot = row && row.querySelector("[data-cards-slot]");
    if (!slot) return;
    if (link.getAttribute("aria-expanded") === "true") {
      row.hidden = true;
      say(link, false);
      return;
    }
    row.hidden = false;
    say(link, true);
    if (slot.hasAttribute("data-loaded") || slot.hasAttribute("aria-busy")) return;
    slot.setAttribute("aria-busy", "true");
    slot.textContent = "Loading the cards…";
    fetch(link.getAttribute("data-cards-url"), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        // A signed-out session answers with the sign-in page: not cards.
        if (!response.ok || response.redirected) throw new Error("status " + response.status);
        return response.text();
      })
      .then(function (html) {
        slot.innerHTML = html;
        slot.setAttribute("data-loaded", "");
      })
      .catch(function () { failed(slot, link); })
      .then(function () { slot.removeAttribute("aria-busy"); });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-cards-url]") : null;
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    toggle(link);
  });
  // role="button" answers the space bar as a button does (Enter already follows the click).
  document.addEventListener("keydown", function (event) {
    if (event.key !== " ") return;
    var link = event.target.closest ? event.target.closest("[data-cards-url]") : null;
    if (!link) return;
    event.preventDefault();
    toggle(link);
  });
})();
