// People typeahead: as someone types in a name field inside [data-typeahead-url], ask the server
// for matching people and offer them in the field's <datalist>; picking one puts the person's id
// in the hidden field next to it (two people may share a name). Without JavaScript the server
// resolves the typed name itself. Options are built with DOM nodes: names are user text.
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
      people.forEach(function (p) {
        var option = document.createElement("option");
        option.value = p.name;
        option.textContent = p.department ? p.name + " · " + p.department : p.name;
        ids[p.name.toLowerCase()] = ids[p.name.toLowerCase()] === undefined ? p.id : null;
        list.appendChild(option);
      });
    }

    function ask() {
      var text = input.value.trim();
      if (text === lastAsked) { return; }
      lastAsked = text;
      if (text.length < 2) { show([]); return; }
      var url = box.dataset.typeaheadUrl + "?limit=10&q=" + encodeURIComponent(text);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (people) { if (input.value.trim() === text) { show(people); } })
        .catch(function () { show([]); });
    }

    function pick() {
      // A unique name from the list: send its id; anything else the server resolves.
      var id = ids[input.value.trim().toLowerCase()];
      hidden.value = id ? String(id) : "";
    }

    input.addEventListener("input", function () {
      pick();
      clearTimeout(timer);
      timer = setTimeout(ask, 200);
    });
    input.addEventListener("change", pick);
  });
})();
