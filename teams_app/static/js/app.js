// Small behaviours for every page, without inline handlers (the CSP forbids inline script).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
document.addEventListener("focusin", function (event) {
  if (event.target.hasAttribute && event.target.hasAttribute("data-select-on-focus")) {
    event.target.select();
  }
});
// A "Copy" button copies the text of the field it names (data-copy="<id>") and says so.
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-copy]") : null;
  if (!button) return;
  var id = button.getAttribute("data-copy");
  var field = document.getElementById(id);
  var status = document.querySelector('[data-copy-status="' + id + '"]');
  if (!field) return;
  function done(ok) {
    if (status) status.textContent = ok ? "Copied to the clipboard." : "Select the token and copy it (Ctrl+C or ⌘C).";
    if (ok) button.textContent = "Copied";
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(function () { done(true); }, function () {
      field.select();
      done(document.execCommand && document.execCommand("copy"));
    });
  } else {
    field.select();
    done(document.execCommand && document.execCommand("copy"));
  }
});
// GET filter forms leave their empty fields out of the address: /portfolio/?team_id=4, not
// /portfolio/?team_id=4&sponsor_id=&stage_id=&health=...
document.addEventListener("submit", function (event) {
  var form = event.target;
  if ((form.method || "").toLowerCase() !== "get" || event.defaultPrevented) return;
  Array.prototype.forEach.call(form.elements, function (el) {
    if (el.name && !el.disabled && el.value === "" && el.type !== "submit") {
      el.disabled = true;
      window.setTimeout(function () { el.disabled = false; }, 0);
    }
  });
});
// A date field shows the chosen day in words ("Wednesday 31 March 2027"): the browser's own
// picker writes dates in its locale's order (mm/dd/yyyy or dd/mm/yyyy), which is easy to misread.
(function () {
  var DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  function words(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
    if (!m) return "";
    var d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    return DAYS[d.getUTCDay()] + " " + d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + " " + d.getUTCFullYear();
  }
  document.querySelectorAll('input[type="date"][id]').forEach(function (input) {
    var echo = document.createElement("div");
    echo.className = "form-text date-echo";
    echo.id = input.id + "-words";
    echo.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", echo);
    var described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", (described ? described + " " : "") + echo.id);
    function update() { echo.textContent = words(input.value); }
    input.addEventListener("input", update);
    input.addEventListener("change", update);
    update();
  });
})();
