// "Keep me signed in" for the single sign-on buttons. They are links, not a form: the content
// security policy's form-action 'self' would block a form's redirect on to the provider. So the
// choice rides along as ?remember=1, and the box only shows where this script runs.
(function () {
  var box = document.querySelector("[data-sso-remember]");
  if (!box) {
    return;
  }
  var wrapper = box.closest("[hidden]");
  if (wrapper) {
    wrapper.hidden = false;
  }
  document.querySelectorAll("a[data-sso-start]").forEach(function (link) {
    link.addEventListener("click", function () {
      var url = new URL(link.href);
      if (box.checked) {
        url.searchParams.set("remember", "1");
      } else {
        url.searchParams.delete("remember");
      }
      link.href = url.toString();
    });
  });
})();
