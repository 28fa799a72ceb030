// Puts back what someone typed before their session expired (the server kept it, see
// teams_app/drafts.py): into the form that posts where the refused one did, for them to check.
(function () {
  var holder = document.getElementById("form-draft");
  if (!holder) return;
  var action = holder.getAttribute("data-action");
  var fields;
  try { fields = JSON.parse(holder.getAttribute("data-fields") || "[]"); } catch (e) { return; }
  var forms = Array.prototype.filter.call(document.forms, function (form) {
    return (form.method || "").toLowerCase() === "post" && new URL(form.action, location.href).pathname === action;
  });
  var form = forms[0];
  if (!form) return;
  var first = null;
  fields.forEach(function (pair) {
    var name = pair[0], value = pair[1];
    var controls = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
    Array.prototype.forEach.call(controls, function (el) {
      if (el.type === "hidden" || el.type === "file" || el.type === "password") return;
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.value === value) el.checked = true;
      } else {
        el.value = value;
        el.dispatchEvent(new Event("input", { bubbles: true }));
      }
      if (!first) first = el;
    });
  });
  // A form inside a closed disclosure (such as "Log an action") opens to show it.
  for (var node = form; node; node = node.parentElement) {
    if (node.tagName === "DETAILS") node.open = true;
  }
  if (first) first.focus();
})();
