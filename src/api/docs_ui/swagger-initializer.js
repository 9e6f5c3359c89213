// Starts Swagger UI on this service's own OpenAPI document. A file of its own rather than an
// inline script: the page's Content-Security-Policy allows only scripts served by this service.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    // Relative to the page (/docs), so that it also works behind a proxy that adds a path prefix.
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // Never send the document to an outside validator.
    validatorUrl: null,
    // Keep the token entered under "Authorize" across reloads (in this browser's storage).
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
  });
});
