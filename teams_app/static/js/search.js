// The header's search box: "/" anywhere (outside a field) puts the cursor in it, and as you type
// (debounced) it offers the top matches below it as an ARIA combobox: arrow keys move, Enter
// opens, Escape closes. Without JavaScript the box is a plain GET form to the search page.
(function () {
  "use strict";
  var input = document.getElementById("site-search");
  if (!input) { return; }
  var form = input.form;
  var list = document.getElementById("site-search-list");
  var url = input.dataset.suggestUrl;
  var timer = null;
  var active = -1;
  var asked = "";

  function typing(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  document.addEventListener("keydown", function (e) {
    if (e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey && !typing(document.activeElement)) {
      e.preventDefault();
      var toggler = document.querySelector(".navbar-toggler[aria-expanded='false']");
      if (toggler && input.offsetParent === null) { toggler.click(); }
      input.focus();
      input.select();
    }
  });

  function options() { return list.querySelectorAll("[role='option']"); }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(n) {
    var all = options();
    if (!all.length) { return; }
    active = (n + all.length) % all.length;
    all.forEach(function (o, i) { o.setAttribute("aria-selected", i === active ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", all[active].id);
  }

  function render(items, text) {
    list.textContent = "";
    items.forEach(function (item, i) {
      var li = document.createElement("li");
      li.id = "site-search-option-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.className = "site-search-option";
      var a = document.createElement("a");
      a.href = item.url;
      a.tabIndex = -1;
      var kind = document.createElement("span");
      kind.className = "site-search-kind";
      kind.textContent = item.kind_label;
      var title = document.createElement("span");
      title.className = "site-search-title";
      title.innerHTML = item.title_html; // escaped by the server; matches in <mark>
      a.appendChild(kind);
      a.appendChild(title);
      li.appendChild(a);
      list.appendChild(li);
    });
    var all = document.createElement("li");
    all.id = "site-search-option-all";
    all.setAttribute("role", "option");
    all.setAttribute("aria-selected", "false");
    all.className = "site-search-option site-search-all";
    var link = document.createElement("a");
    link.href = form.action + "?q=" + encodeURIComponent(text);
    link.tabIndex = -1;
    link.textContent = items.length ? "See all results for “" + text + "”" : "No quick matches: search for “" + text + "”";
    all.appendChild(link);
    list.appendChild(all);
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  }

  function ask() {
    var text = input.value.trim();
    if (text.length < 2) { close(); return; }
    if (text === asked && !list.hidden) { return; }
    asked = text;
    fetch(url + "?q=" + encodeURIComponent(text), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (data) { if (input.value.trim() === text) { render(data.items || [], text); } })
      .catch(function () { close(); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 200);
  });
  input.addEventListener("keydown", function (e) {
    if (list.hidden) { return; }
    if (e.key === "ArrowDown") { e.preventDefault(); highlight(active + 1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
    else if (e.key === "Escape") { e.preventDefault(); close(); }
    else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      window.location.assign(options()[active].querySelector("a").href);
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
  list.addEventListener("mousedown", function (e) { e.preventDefault(); });
})();
