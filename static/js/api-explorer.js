/* The API explorer: Swagger UI (from npm, static/vendor) on the app's own OpenAPI document. */
/* global SwaggerUIBundle */
(function () {
  "use strict";
  function start() {
    const root = document.getElementById("api-explorer");
    if (!root || typeof SwaggerUIBundle !== "function") { return; }
    const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    SwaggerUIBundle({
      url: root.dataset.specUrl,
      domNode: root,
      deepLinking: false,
      requestInterceptor: function (request) {
        if (headers["X-CSRFToken"]) { request.headers["X-CSRFToken"] = headers["X-CSRFToken"]; }
        return request;
      }
    });
  }
  document.addEventListener("DOMContentLoaded", start);
})();
