// @mentions: in a textarea with data-mention-url, typing "@" and two letters of a name asks the
// server for people who can see this object and offers them below the field; picking one puts
// "@Full Name " in the text. Built with DOM nodes: names are user text. Without JavaScript,
// typing "@Full Name" works the same (the server resolves it).
(function () {
  "use strict";
  // "Me too" links from the report form land here with #me-too: open that form.
  var meToo = document.getElementById("me-too");
  if (meToo && window.location.hash === "#me-too") { meToo.open = true; }
  document.querySelectorAll("textarea[data-mention-url]").forEach(function (area) {
    if (area.dataset.mentionsReady) { return; }
    area.dataset.mentionsReady = "1";
    var list = document.createElement("ul");
    list.className = "list-group mention-list small";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "People to mention");
    list.hidden = true;
    area.insertAdjacentElement("afterend", list);
    var timer = null;

    function typed() {
      var before = area.value.slice(0, area.selectionStart);
      var m = /(^|[\s(\[])@([^\s@][^@\n]{1,40})$/.exec(before);
      return m ? { text: m[2], start: before.length - m[2].length - 1 } : null;
    }

    function pick(person, at) {
      var end = area.selectionStart;
      area.value = area.value.slice(0, at.start) + "@" + person.name + " " + area.value.slice(end);
      var caret = at.start + person.name.length + 2;
      area.setSelectionRange(caret, caret);
      list.hidden = true;
      area.focus();
    }

    function show(people, at) {
      list.replaceChildren();
      people.forEach(function (p) {
        var item = document.createElement("li");
        item.className = "list-group-item list-group-item-action";
        item.setAttribute("role", "option");
        item.tabIndex = 0;
        item.textContent = p.department ? p.name + " · " + p.department : p.name;
        item.addEventListener("mousedown", function (e) { e.preventDefault(); pick(p, at); });
        item.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); pick(p, at); } });
        list.appendChild(item);
      });
      list.hidden = people.length === 0;
    }

    function ask() {
      var at = typed();
      if (!at) { list.hidden = true; return; }
      var url = area.dataset.mentionUrl + "?q=" + encodeURIComponent(at.text);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (people) { show(people, at); })
        .catch(function () { list.hidden = true; });
    }

    area.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 200); });
    area.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && !list.hidden && list.firstChild) { e.preventDefault(); list.firstChild.focus(); }
      if (e.key === "Escape") { list.hidden = true; }
    });
  });
})();
