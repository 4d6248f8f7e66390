"use strict";
// Starts Swagger UI on /api/docs/. A static file, not an inline script: the
// site's Content Security Policy allows scripts from its own origin only.
// The page gives the schema's URL and drf-spectacular's SWAGGER_UI_SETTINGS.
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    ...JSON.parse(root.dataset.settings || "{}"),
  });
});
