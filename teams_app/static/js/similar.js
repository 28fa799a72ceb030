// While someone types a barrier's title, suggest open barriers with similar titles so they can
// add to one rather than file it twice. Built with DOM nodes (textContent): titles are user text.
(function () {
  "use strict";
  var box = document.querySelector("[data-similar-url]");
  if (!box) { return; }
  var input = box.querySelector("input[name=title]");
  var panel = document.getElementById("similar-barriers");
  var list = panel.querySelector("ul");
  var timer = null;
  var lastAsked = "";

  function show(items) {
    list.replaceChildren();
    items.forEach(function (item) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title;
      link.target = "_blank";
      li.appendChild(link);
      li.appendChild(document.createTextNode(" · " + item.status + ", " + item.severity +
        (item.support_count ? ", " + item.support_count + " “me too”" : "") + " · "));
      var meToo = document.createElement("a");
      meToo.href = item.me_too_url;
      meToo.className = "fw-semibold";
      meToo.textContent = "Me too: add my support";
      li.appendChild(meToo);
      list.appendChild(li);
    });
    panel.hidden = items.length === 0;
  }

  function ask() {
    var title = input.value.trim();
    if (title === lastAsked) { return; }
    lastAsked = title;
    if (title.length < 3) { show([]); return; }
    var url = box.dataset.similarUrl + "?title=" + encodeURIComponent(title);
    if (box.dataset.similarExclude) { url += "&exclude=" + box.dataset.similarExclude; }
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (items) { if (input.value.trim() === title) { show(items); } })
      .catch(function () { show([]); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 250);
  });
  if (input.value.trim()) { ask(); }
})();
