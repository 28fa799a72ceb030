// Starts Swagger UI from the locally served bundle (no CDN).
(function () {
  var script = document.currentScript;
  window.ui = SwaggerUIBundle({
    url: script.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
  });
})();
