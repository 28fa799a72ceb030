// People typeahead: as someone types in a name field inside [data-typeahead-url], ask the server
// for matching people and offer them in the field's <datalist> by a label that tells them apart
// ("Name · Department", "… · #id"); picking one puts the person's id in the hidden field next to
// it. Without JavaScript the server resolves the typed name or label itself. Options are built
// with DOM nodes: names are user text.
(function () {
  "use strict";
  document.querySelectorAll("[data-typeahead-url]").forEach(function (box) {
    var input = box.querySelector("input[list]");
    var hidden = box.querySelector("input[type=hidden]");
    var list = document.getElementById(input.getAttribute("list"));
    var fixed = Array.prototype.slice.call(list.options).map(function (o) { return o.cloneNode(true); });
    var ids = {};
    var timer = null;
    var lastAsked = null;

    function show(people) {
      ids = {};
      list.replaceChildren.apply(list, fixed.map(function (o) { return o.cloneNode(true); }));
      fixed.forEach(function (o) { if (o.dataset.id) { ids[o.value.toLowerCase()] = o.dataset.id; } });
      people.forEach(function (p) {
        var option = document.createElement("option");
        option.value = p.label;
        ids[p.label.toLowerCase()] = p.id;
        list.appendChild(option);
      });
    }

    function ask() {
      var text = input.value.trim();
      // A label just picked from the list keeps the list (and so its id) as it is.
      if (text === lastAsked || ids[text.toLowerCase()] !== undefined) { return; }
      lastAsked = text;
      if (text.length < 2) { show([]); return; }
      var url = box.dataset.typeaheadUrl + "?limit=10&q=" + encodeURIComponent(text);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (people) { if (input.value.trim() === text) { show(people); } })
        .catch(function () { show([]); });
    }

    function pick() {
      // A label from the list: send its id; anything else the server resolves.
      var id = ids[input.value.trim().toLowerCase()];
      hidden.value = id ? String(id) : "";
    }

    show([]);
    input.addEventListener("input", function () {
      pick();
      clearTimeout(timer);
      timer = setTimeout(ask, 200);
    });
    input.addEventListener("change", pick);
  });
})();
