// Starts Swagger UI on /api/v1/docs over the app's OpenAPI document (a static file: the CSP allows no inline script).
document.addEventListener("DOMContentLoaded", function () {
  var node = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({url: node.dataset.specUrl, domNode: node, deepLinking: true, tryItOutEnabled: false});
});
